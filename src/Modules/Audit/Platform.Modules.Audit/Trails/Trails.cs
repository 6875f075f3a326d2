using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Audit.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Audit.Trails;

/// <summary>The account's one trail (CloudTrail's TrailARN form).</summary>
internal static class TrailArns
{
    public static string Of(string region, string accountId) => Arns.Build("cloudtrail", region, accountId, $"trail/{Trail.DefaultName}");
}

internal sealed record TrailResponse(string Name, string TrailArn, string S3BucketName, string HomeRegion, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static TrailResponse From(Trail trail, string region) =>
        new(Trail.DefaultName, TrailArns.Of(region, trail.AccountId), trail.BucketName, region, trail.CreatedAt, trail.UpdatedAt);
}

/// <summary>
/// Creates or changes the account's trail: its events of each day are delivered to the bucket, which must exist and
/// belong to the account (the platform writes there on the account's behalf, so never into another account's bucket).
/// </summary>
internal sealed record PutTrail(string Region, string? S3BucketName) : IRequest<TrailResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("cloudtrail:CreateTrail", TrailArns.Of(Region, caller.AccountId));

    public void Validate()
    {
        Parameter.Required(S3BucketName, "S3BucketName");
        Parameter.Length(S3BucketName, "s3BucketName", 3, 63);
    }
}

internal sealed class PutTrailHandler(AuditDbContext db, ICallerContext caller, ISender sender, TimeProvider clock) : IRequestHandler<PutTrail, TrailResponse>
{
    public async ValueTask<TrailResponse> Handle(PutTrail request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var owner = await sender.Send(new DescribeBucketOwner(request.S3BucketName!), cancellationToken);
        if (owner is null)
        {
            throw AuditErrors.BucketDoesNotExist(request.S3BucketName!);
        }

        if (owner != account)
        {
            throw AuditErrors.InsufficientBucketPolicy(request.S3BucketName!);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        var trail = await db.Trails.SingleOrDefaultAsync(t => t.AccountId == account, cancellationToken);
        if (trail is null)
        {
            trail = new Trail { AccountId = account, BucketName = request.S3BucketName!, CreatedAt = now, UpdatedAt = now };
            db.Trails.Add(trail);
        }
        else
        {
            trail.BucketName = request.S3BucketName!;
            trail.UpdatedAt = now;
        }

        await db.SaveChangesAsync(cancellationToken);
        return TrailResponse.From(trail, request.Region);
    }
}

internal sealed record GetTrail(string Region) : IRequest<TrailResponse>, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("cloudtrail:GetTrail", TrailArns.Of(Region, caller.AccountId));
}

internal sealed class GetTrailHandler(AuditDbContext db, ICallerContext caller) : IRequestHandler<GetTrail, TrailResponse>
{
    public async ValueTask<TrailResponse> Handle(GetTrail request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var trail = await db.Trails.AsNoTracking().SingleOrDefaultAsync(t => t.AccountId == account, cancellationToken) ?? throw AuditErrors.TrailNotFound();
        return TrailResponse.From(trail, request.Region);
    }
}

internal sealed record DeleteTrail(string Region) : IRequest, IRequiresPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) => new("cloudtrail:DeleteTrail", TrailArns.Of(Region, caller.AccountId));
}

internal sealed class DeleteTrailHandler(AuditDbContext db, ICallerContext caller) : IRequestHandler<DeleteTrail>
{
    public async ValueTask<Unit> Handle(DeleteTrail request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        if (await db.Trails.Where(t => t.AccountId == account).ExecuteDeleteAsync(cancellationToken) == 0)
        {
            throw AuditErrors.TrailNotFound();
        }

        return Unit.Value;
    }
}
