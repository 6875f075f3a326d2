using Mediator;
using Platform.Modules.Iam.Persistence;
using Platform.Modules.Iam.Roles;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Iam.Users;

/// <summary>Adds tags to a user, replacing the value of a key it has already (keys compared without case, as IAM does).</summary>
internal sealed record TagUser(string UserName, IReadOnlyList<RoleTag> Tags) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:TagUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        if (Tags.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter Tags.");
        }

        RoleSettings.CheckTags(Tags);
    }
}

internal sealed class TagUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<TagUser>
{
    public async ValueTask<Unit> Handle(TagUser request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        var tags = RoleTags.Read(user.Tags).ToList();
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

        user.Tags = RoleTags.Write(tags);
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record UntagUser(string UserName, IReadOnlyList<string> TagKeys) : IRequest, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:UntagUser", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate()
    {
        IamNames.ExistingUser(UserName, "userName");
        if (TagKeys.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter TagKeys.");
        }

        if (TagKeys.Count > RoleSettings.MaxTags || TagKeys.Any(k => k is not { Length: >= 1 and <= 128 }))
        {
            throw ApiErrors.ValidationError("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint: at most 50 keys of length 1 to 128");
        }
    }
}

internal sealed class UntagUserHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<UntagUser>
{
    public async ValueTask<Unit> Handle(UntagUser request, CancellationToken cancellationToken)
    {
        var user = await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken);
        user.Tags = RoleTags.Write(RoleTags.Read(user.Tags).Where(t => !request.TagKeys.Contains(t.Key, StringComparer.OrdinalIgnoreCase)));
        await db.SaveChangesAsync(cancellationToken);
        return Unit.Value;
    }
}

internal sealed record ListUserTags(string UserName) : IRequest<RoleTagsResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("iam:ListUserTags", IamArns.User(caller.AccountId, "/", UserName));

    public void Validate() => IamNames.ExistingUser(UserName, "userName");
}

internal sealed class ListUserTagsHandler(IamDbContext db, ICallerContext caller) : IRequestHandler<ListUserTags, RoleTagsResponse>
{
    public async ValueTask<RoleTagsResponse> Handle(ListUserTags request, CancellationToken cancellationToken) =>
        new(RoleTags.Read((await db.FindAsync(caller.Identity.AccountId, request.UserName, cancellationToken)).Tags));
}
