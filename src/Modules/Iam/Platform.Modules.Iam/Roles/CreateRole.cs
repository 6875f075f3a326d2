using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

/// <summary>A role with its trust policy; it has no permissions until policies are attached or put.</summary>
internal sealed record CreateRole(string? RoleName, JsonElement? AssumeRolePolicyDocument, string? Path, string? Description, int? MaxSessionDuration,
    IReadOnlyList<RoleTag>? Tags) : IRequest<RoleResponse>, IRequiresPermission, IValidatable
{
    public const int DefaultMaxSessionDuration = 3600;
    public const int LongestMaxSessionDuration = 43200;

    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("iam:CreateRole", IamArns.Role(caller.AccountId, "/", RoleName ?? ""));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        IamNames.RootPathOnly(Path);
        RoleSettings.Check(Description, MaxSessionDuration);
        RoleSettings.CheckTags(Tags);
    }
}

internal static class RoleSettings
{
    public const int MaxTags = 50;

    public static void Check(string? description, int? maxSessionDuration)
    {
        if (description is { Length: > 1000 })
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'description' failed to satisfy constraint: Member must have length less than or equal to 1000");
        }

        if (maxSessionDuration is < CreateRole.DefaultMaxSessionDuration or > CreateRole.LongestMaxSessionDuration)
        {
            throw ApiErrors.ValidationError(
                $"1 validation error detected: Value '{maxSessionDuration}' at 'maxSessionDuration' failed to satisfy constraint: Member must have value between 3600 and 43200");
        }
    }

    public static void CheckTags(IReadOnlyList<RoleTag>? tags)
    {
        if (tags is null)
        {
            return;
        }

        if (tags.Count > MaxTags)
        {
            throw ApiErrors.LimitExceeded($"The number of tags has reached the maximum limit of {MaxTags}.");
        }

        foreach (var tag in tags)
        {
            if (tag.Key is not { Length: >= 1 and <= 128 } || tag.Value is not { Length: <= 256 })
            {
                throw ApiErrors.ValidationError("1 validation error detected: Value at 'tags' failed to satisfy constraint: tag keys must have length 1 to 128, values 0 to 256");
            }
        }

        if (tags.Select(t => t.Key.ToLowerInvariant()).Distinct().Count() != tags.Count)
        {
            throw ApiErrors.InvalidParameterValue("Duplicate tag keys found. Please note that Tag keys are case insensitive.");
        }
    }
}

internal sealed class CreateRoleHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<CreateRole, RoleResponse>
{
    public async ValueTask<RoleResponse> Handle(CreateRole request, CancellationToken cancellationToken)
    {
        var trust = TrustPolicyText.Validate(request.AssumeRolePolicyDocument);
        var accountId = caller.Identity.AccountId;
        var role = new Role
        {
            Id = ResourceIds.NewIamId("AROA"),
            AccountId = accountId,
            RoleName = request.RoleName!,
            NormalizedName = request.RoleName!.ToLowerInvariant(),
            Path = request.Path ?? "/",
            Description = request.Description,
            AssumeRolePolicy = trust,
            MaxSessionDuration = request.MaxSessionDuration ?? CreateRole.DefaultMaxSessionDuration,
            Tags = RoleTags.Write(request.Tags ?? []),
            CreatedAt = DateTime.UtcNow,
        };

        db.Roles.Add(role);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // The unique index decided between two racing creations; the loser learns why.
            db.ChangeTracker.Clear();
            if (await db.Roles.AnyAsync(r => r.AccountId == accountId && r.NormalizedName == role.NormalizedName, cancellationToken))
            {
                throw ApiErrors.Conflict("EntityAlreadyExists", $"Role with name {request.RoleName} already exists.");
            }

            throw;
        }

        return RoleResponse.From(role);
    }
}
