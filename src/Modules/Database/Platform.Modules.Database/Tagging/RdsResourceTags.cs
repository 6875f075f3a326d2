using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Database.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Database.Tagging;

/// <summary>The tags of one RDS resource, as ListTagsForResource answers them.</summary>
internal sealed record RdsTagListResponse(IReadOnlyList<RdsTag> TagList);

/// <summary>AddTagsToResource: adds tags to a DB instance, snapshot, subnet group or parameter group named by its ARN, or sets a key's value anew.</summary>
internal sealed record AddTagsToResource(string Region, string? ResourceName, IReadOnlyList<RdsTag>? Tags)
    : IRequest<RdsTagListResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("rds:AddTagsToResource", ResourceName!);

    public void Validate()
    {
        RdsTaggedResource.Parse(Region, ResourceName);
        if (Tags is null || Tags.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter Tags.");
        }

        RdsNames.Tags(Tags);
    }
}

/// <summary>ListTagsForResource: the tags of the resource the ARN names.</summary>
internal sealed record ListTagsForResource(string Region, string? ResourceName) : IRequest<RdsTagListResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("rds:ListTagsForResource", ResourceName!);

    public void Validate() => RdsTaggedResource.Parse(Region, ResourceName);
}

/// <summary>RemoveTagsFromResource: removes the keys named (a key it does not have is no error, as on RDS).</summary>
internal sealed record RemoveTagsFromResource(string Region, string? ResourceName, IReadOnlyList<string>? TagKeys)
    : IRequest<RdsTagListResponse>, IRequiresPermission, Shared.Messaging.IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("rds:RemoveTagsFromResource", ResourceName!);

    public void Validate()
    {
        RdsTaggedResource.Parse(Region, ResourceName);
        if (TagKeys is null || TagKeys.Count == 0)
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter TagKeys.");
        }
    }
}

/// <summary>The resource an RDS ARN names: <c>arn:aws:rds:REGION:ACCOUNT:(db|snapshot|subgrp|pg):ID</c>.</summary>
internal sealed record RdsTaggedResource(string AccountId, string Kind, string Id)
{
    public static RdsTaggedResource Parse(string region, string? arn)
    {
        if (string.IsNullOrEmpty(arn))
        {
            throw ApiErrors.MissingParameter("The request must contain the parameter ResourceName.");
        }

        var parts = arn.Split(':');
        if (parts is not ["arn", "aws", "rds", var arnRegion, var account, "db" or "snapshot" or "subgrp" or "pg", var id] || arnRegion != region
            || account.Length != 12 || !account.All(char.IsAsciiDigit) || id.Length == 0)
        {
            throw RdsErrors.InvalidParameterValue($"The specified resource name {arn} does not match an RDS resource in this Region.");
        }

        return new RdsTaggedResource(account, parts[5], id.ToLowerInvariant());
    }
}

/// <summary>
/// Reads and changes a resource's tags where they are kept, in its own row's <c>tags</c> column (the creates write it, the
/// describes read it). A change is written only over the tags it was made from (compare and swap), so two calls at once
/// on one resource never lose each other's tags; another account's ARN is its kind's NotFound, as an unknown one is.
/// </summary>
internal sealed class RdsResourceTagsHandler(DatabaseDbContext db, ICallerContext caller)
    : IRequestHandler<AddTagsToResource, RdsTagListResponse>, IRequestHandler<ListTagsForResource, RdsTagListResponse>,
        IRequestHandler<RemoveTagsFromResource, RdsTagListResponse>
{
    private const int Attempts = 5;

    public async ValueTask<RdsTagListResponse> Handle(AddTagsToResource request, CancellationToken cancellationToken) =>
        await ChangeAsync(request.Region, request.ResourceName, tags =>
        {
            var merged = tags.Where(t => !request.Tags!.Any(n => n.Key == t.Key)).Concat(request.Tags!.Select(t => new RdsTag(t.Key, t.Value ?? ""))).ToList();
            return merged.Count > 50 ? throw RdsErrors.InvalidParameterValue("A resource can have at most 50 tags.") : merged;
        }, cancellationToken);

    public async ValueTask<RdsTagListResponse> Handle(RemoveTagsFromResource request, CancellationToken cancellationToken) =>
        await ChangeAsync(request.Region, request.ResourceName, tags => [.. tags.Where(t => !request.TagKeys!.Contains(t.Key!, StringComparer.Ordinal))], cancellationToken);

    public async ValueTask<RdsTagListResponse> Handle(ListTagsForResource request, CancellationToken cancellationToken)
    {
        var target = Target(RdsTaggedResource.Parse(request.Region, request.ResourceName));
        return new RdsTagListResponse(RdsNames.ReadTags(await target.ReadAsync(cancellationToken)));
    }

    private async Task<RdsTagListResponse> ChangeAsync(string region, string? arn, Func<IReadOnlyList<RdsTag>, List<RdsTag>> change, CancellationToken cancellationToken)
    {
        var target = Target(RdsTaggedResource.Parse(region, arn));
        for (var attempt = 0; ; attempt++)
        {
            var before = await target.ReadAsync(cancellationToken);
            var after = change(RdsNames.ReadTags(before));
            var json = after.Count == 0 ? null : System.Text.Json.JsonSerializer.Serialize(after);
            if (json == before || await target.WriteAsync(before, json, cancellationToken) == 1)
            {
                return new RdsTagListResponse(after);
            }

            if (attempt == Attempts)
            {
                throw new ApiException(503, "Throttling", "The resource's tags are being changed by other calls; try again.");
            }
        }
    }

    private TagTarget Target(RdsTaggedResource resource)
    {
        var account = caller.Identity.AccountId;
        var id = resource.Id;
        if (resource.AccountId != account)
        {
            // Another account's resource: the same answer as none at all.
            account = "";
        }

        return resource.Kind switch
        {
            "db" => new TagTarget(
                async ct => (await db.Instances.AsNoTracking().Where(i => i.AccountId == account && i.Identifier == id).Select(i => new { i.Tags }).SingleOrDefaultAsync(ct)
                    ?? throw RdsErrors.InstanceNotFound(id)).Tags,
                (old, next, ct) => db.Instances.Where(i => i.AccountId == account && i.Identifier == id && i.Tags == old).ExecuteUpdateAsync(s => s.SetProperty(i => i.Tags, next), ct)),
            "snapshot" => new TagTarget(
                async ct => (await db.Snapshots.AsNoTracking().Where(s => s.AccountId == account && s.Identifier == id).Select(s => new { s.Tags }).SingleOrDefaultAsync(ct)
                    ?? throw RdsErrors.SnapshotNotFound(id)).Tags,
                (old, next, ct) => db.Snapshots.Where(s => s.AccountId == account && s.Identifier == id && s.Tags == old).ExecuteUpdateAsync(s => s.SetProperty(x => x.Tags, next), ct)),
            "subgrp" => new TagTarget(
                async ct => (await db.SubnetGroups.AsNoTracking().Where(g => g.AccountId == account && g.Name == id).Select(g => new { g.Tags }).SingleOrDefaultAsync(ct)
                    ?? throw RdsErrors.SubnetGroupNotFound(id)).Tags,
                (old, next, ct) => db.SubnetGroups.Where(g => g.AccountId == account && g.Name == id && g.Tags == old).ExecuteUpdateAsync(s => s.SetProperty(g => g.Tags, next), ct)),
            _ => new TagTarget(
                async ct => (await db.ParameterGroups.AsNoTracking().Where(g => g.AccountId == account && g.Name == id).Select(g => new { g.Tags }).SingleOrDefaultAsync(ct)
                    ?? throw RdsErrors.ParameterGroupNotFound(id)).Tags,
                (old, next, ct) => db.ParameterGroups.Where(g => g.AccountId == account && g.Name == id && g.Tags == old).ExecuteUpdateAsync(s => s.SetProperty(g => g.Tags, next), ct)),
        };
    }

    private sealed record TagTarget(Func<CancellationToken, Task<string?>> ReadAsync, Func<string?, string?, CancellationToken, Task<int>> WriteAsync);
}
