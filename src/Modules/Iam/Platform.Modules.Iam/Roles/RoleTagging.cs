using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Roles;

internal sealed record RoleTagsResponse(IReadOnlyList<RoleTag> Tags);

/// <summary>Adds tags, replacing the value of a key the role has already (keys compared without case, as IAM does).</summary>
internal sealed record TagRole(string RoleName, IReadOnlyList<RoleTag> Tags) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:TagRole", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate()
    {
        IamNames.Role(RoleName, "roleName");
        if (Tags.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter Tags.");
        }

        RoleSettings.CheckTags(Tags);
    }
}

internal sealed class TagRoleHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<TagRole>
{
    public async ValueTask<Unit> Handle(TagRole request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        var tags = RoleTags.Read(role.Tags).ToList();
        foreach (var tag in request.Tags)
        {
            var index = tags.FindIndex(t => string.Equals(t.Key, tag.Key, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                tags[index] = tag;
            }
            else
            {
                tags.Add(tag);
            }
        }

        if (tags.Count > RoleSettings.MaxTags)
        {
            throw ApiErrors.LimitExceeded($"The number of tags has reached the maximum limit of {RoleSettings.MaxTags}.");
        }

        role.Tags = RoleTags.Write(tags);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record UntagRole(string RoleName, IReadOnlyList<string> TagKeys) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:UntagRole", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class UntagRoleHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<UntagRole>
{
    public async ValueTask<Unit> Handle(UntagRole request, CancellationToken cancellationToken)
    {
        var role = await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken);
        role.Tags = RoleTags.Write(RoleTags.Read(role.Tags).Where(t => !request.TagKeys.Contains(t.Key, StringComparer.OrdinalIgnoreCase)));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record ListRoleTags(string RoleName) : IRequest<RoleTagsResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListRoleTags", IamArns.Role(caller.AccountId, "/", RoleName));

    public void Validate() => IamNames.Role(RoleName, "roleName");
}

internal sealed class ListRoleTagsHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListRoleTags, RoleTagsResponse>
{
    public async ValueTask<RoleTagsResponse> Handle(ListRoleTags request, CancellationToken cancellationToken) =>
        new(RoleTags.Read((await db.FindRoleAsync(caller.Identity.AccountId, request.RoleName, cancellationToken)).Tags));
}
