using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Roles;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.InstanceProfiles;

internal sealed record InstanceProfileResponse(string Path, string InstanceProfileName, string InstanceProfileId, string Arn, DateTime CreateDate,
    IReadOnlyList<RoleResponse> Roles);

internal sealed record InstanceProfileListResponse(IReadOnlyList<InstanceProfileResponse> InstanceProfiles, bool IsTruncated, string? Marker);

internal static class InstanceProfileLookup
{
    public static async Task<InstanceProfile> FindProfileAsync(this IamDbContext db, string accountId, string name, CancellationToken cancellationToken)
    {
        var normalized = name.ToLowerInvariant();
        return await db.InstanceProfiles.SingleOrDefaultAsync(p => p.AccountId == accountId && p.NormalizedName == normalized, cancellationToken)
            ?? throw ApiErrors.NotFound("NoSuchEntity", $"Instance Profile {name} cannot be found.");
    }

    public static async Task<InstanceProfileResponse> ResponseAsync(this IamDbContext db, InstanceProfile profile, CancellationToken cancellationToken)
    {
        var role = profile.RoleId is null ? null : await db.Roles.AsNoTracking().SingleOrDefaultAsync(r => r.Id == profile.RoleId, cancellationToken);
        return new InstanceProfileResponse(profile.Path, profile.Name, profile.Id, IamArns.InstanceProfile(profile.AccountId, profile.Path, profile.Name),
            profile.CreatedAt, role is null ? [] : [RoleResponse.From(role)]);
    }
}

/// <summary>An instance profile: the container of one role that an instance carries.</summary>
internal sealed record CreateInstanceProfile(string? InstanceProfileName, string? Path) : IRequest<InstanceProfileResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreateInstanceProfile", IamArns.InstanceProfile(caller.AccountId, "/", InstanceProfileName ?? ""));

    public void Validate()
    {
        IamNames.InstanceProfile(InstanceProfileName, "instanceProfileName");
        IamNames.RootPathOnly(Path);
    }
}

internal sealed class CreateInstanceProfileHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<CreateInstanceProfile, InstanceProfileResponse>
{
    public async ValueTask<InstanceProfileResponse> Handle(CreateInstanceProfile request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var profile = new InstanceProfile
        {
            Id = ResourceIds.NewIamId("AIPA"),
            AccountId = accountId,
            Name = request.InstanceProfileName!,
            NormalizedName = request.InstanceProfileName!.ToLowerInvariant(),
            Path = request.Path ?? "/",
            CreatedAt = DateTime.UtcNow,
        };
        db.InstanceProfiles.Add(profile);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            db.ChangeTracker.Clear();
            if (await db.InstanceProfiles.AnyAsync(p => p.AccountId == accountId && p.NormalizedName == profile.NormalizedName, cancellationToken))
            {
                throw ApiErrors.Conflict("EntityAlreadyExists", $"Instance Profile {request.InstanceProfileName} already exists.");
            }

            throw;
        }

        return await db.ResponseAsync(profile, cancellationToken);
    }
}

internal sealed record GetInstanceProfile(string InstanceProfileName) : IRequest<InstanceProfileResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:GetInstanceProfile", IamArns.InstanceProfile(caller.AccountId, "/", InstanceProfileName));

    public void Validate() => IamNames.InstanceProfile(InstanceProfileName, "instanceProfileName");
}

internal sealed class GetInstanceProfileHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<GetInstanceProfile, InstanceProfileResponse>
{
    public async ValueTask<InstanceProfileResponse> Handle(GetInstanceProfile request, CancellationToken cancellationToken) =>
        await db.ResponseAsync(await db.FindProfileAsync(caller.Identity.AccountId, request.InstanceProfileName, cancellationToken), cancellationToken);
}

/// <summary>Instance profiles of the caller's account in name order, a page at a time.</summary>
internal sealed record ListInstanceProfiles(string? PathPrefix, int? MaxItems, string? Marker) : IRequest<InstanceProfileListResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListInstanceProfiles", IamArns.AnyInstanceProfile(caller.AccountId));

    public void Validate()
    {
        if (MaxItems is < 1 or > 1000)
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000");
        }
    }
}

internal sealed class ListInstanceProfilesHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListInstanceProfiles, InstanceProfileListResponse>
{
    public async ValueTask<InstanceProfileListResponse> Handle(ListInstanceProfiles request, CancellationToken cancellationToken)
    {
        var take = request.MaxItems ?? 100;
        var accountId = caller.Identity.AccountId;
        var prefix = request.PathPrefix ?? "/";
        var after = request.Marker?.ToLowerInvariant() ?? "";
        var rows = await db.InstanceProfiles.AsNoTracking()
            .Where(p => p.AccountId == accountId && p.Path.StartsWith(prefix) && string.Compare(p.NormalizedName, after) > 0)
            .OrderBy(p => p.NormalizedName)
            .Take(take + 1)
            .ToListAsync(cancellationToken);
        var truncated = rows.Count > take;
        var profiles = new List<InstanceProfileResponse>();
        foreach (var profile in rows.Take(take))
        {
            profiles.Add(await db.ResponseAsync(profile, cancellationToken));
        }

        return new InstanceProfileListResponse(profiles, truncated, truncated ? profiles[^1].InstanceProfileName : null);
    }
}

internal sealed record DeleteInstanceProfile(string InstanceProfileName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:DeleteInstanceProfile", IamArns.InstanceProfile(caller.AccountId, "/", InstanceProfileName));

    public void Validate() => IamNames.InstanceProfile(InstanceProfileName, "instanceProfileName");
}

internal sealed class DeleteInstanceProfileHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<DeleteInstanceProfile>
{
    public async ValueTask<Unit> Handle(DeleteInstanceProfile request, CancellationToken cancellationToken)
    {
        var profile = await db.FindProfileAsync(caller.Identity.AccountId, request.InstanceProfileName, cancellationToken);
        if (profile.RoleId is not null)
        {
            throw ApiErrors.Conflict("DeleteConflict", "Cannot delete entity, must remove roles from instance profile first.");
        }

        db.InstanceProfiles.Remove(profile);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

/// <summary>Puts a role in a profile; a profile holds one role at most, as on AWS.</summary>
internal sealed record AddRoleToInstanceProfile(string InstanceProfileName, string RoleName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:AddRoleToInstanceProfile", IamArns.InstanceProfile(caller.AccountId, "/", InstanceProfileName));

    public void Validate()
    {
        IamNames.InstanceProfile(InstanceProfileName, "instanceProfileName");
        IamNames.Role(RoleName, "roleName");
    }
}

internal sealed class AddRoleToInstanceProfileHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<AddRoleToInstanceProfile>
{
    public async ValueTask<Unit> Handle(AddRoleToInstanceProfile request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var profile = await db.FindProfileAsync(accountId, request.InstanceProfileName, cancellationToken);
        var role = await db.FindRoleAsync(accountId, request.RoleName, cancellationToken);
        if (profile.RoleId is not null)
        {
            throw ApiErrors.LimitExceeded("Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1");
        }

        profile.RoleId = role.Id;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record RemoveRoleFromInstanceProfile(string InstanceProfileName, string RoleName) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:RemoveRoleFromInstanceProfile", IamArns.InstanceProfile(caller.AccountId, "/", InstanceProfileName));

    public void Validate()
    {
        IamNames.InstanceProfile(InstanceProfileName, "instanceProfileName");
        IamNames.Role(RoleName, "roleName");
    }
}

internal sealed class RemoveRoleFromInstanceProfileHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<RemoveRoleFromInstanceProfile>
{
    public async ValueTask<Unit> Handle(RemoveRoleFromInstanceProfile request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var profile = await db.FindProfileAsync(accountId, request.InstanceProfileName, cancellationToken);
        var role = await db.FindRoleAsync(accountId, request.RoleName, cancellationToken);
        if (profile.RoleId != role.Id)
        {
            throw ApiErrors.NotFound("NoSuchEntity", $"The role with name {request.RoleName} is not in instance profile {request.InstanceProfileName}.");
        }

        profile.RoleId = null;
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}
