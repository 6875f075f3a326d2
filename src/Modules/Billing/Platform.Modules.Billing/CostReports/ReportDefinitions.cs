using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Billing.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Shared.Persistence;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Billing.CostReports;

/// <summary>
/// The Cost and Usage Report's PutReportDefinition: a report of the caller's account written as CSV into one of its own
/// buckets, under <paramref name="S3Prefix"/>, by <see cref="DeliverCostReportsHandler"/>. The bucket must be the
/// account's and the caller must be allowed to write the report's keys there as S3 would decide a PutObject (its
/// policies, the bucket's policy), so a tenant can neither write into another's bucket nor past its own permissions.
/// </summary>
internal sealed record PutReportDefinition(string? ReportName, string? TimeUnit, string? S3Bucket, string? S3Prefix)
    : IRequest<ReportDefinitionResponse>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxReportsPerAccount = 10;

    public static readonly IReadOnlyList<string> TimeUnits = [CostReportRows.Hourly, CostReportRows.Daily];

    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cur:PutReportDefinition", ReportArns.Of(region, caller.AccountId, ReportName ?? "*"));

    public void Validate()
    {
        ReportNames.Validate(ReportName);
        if (TimeUnit is null || !TimeUnits.Contains(TimeUnit))
        {
            throw CostReportErrors.Validation($"time_unit must be one of {string.Join(", ", TimeUnits)}.");
        }

        if (string.IsNullOrEmpty(S3Bucket) || S3Bucket.Length > 63)
        {
            throw CostReportErrors.Validation("s3_bucket must name a bucket (3 to 63 characters).");
        }

        // AWS's pattern for S3Prefix: letters, digits and !-_.*'()/ , up to 256 characters.
        if (S3Prefix is { } prefix && (prefix.Length > 256 || !prefix.All(c => char.IsAsciiLetterOrDigit(c) || "!-_.*'()/".Contains(c))
            || prefix.StartsWith('/') || prefix.Contains("//", StringComparison.Ordinal)))
        {
            throw CostReportErrors.Validation("s3_prefix may hold up to 256 letters, digits and !-_.*'()/ characters, not starting with / nor holding //.");
        }
    }
}

/// <summary>DescribeReportDefinitions: the caller's account's reports, by name.</summary>
internal sealed record DescribeReportDefinitions : IRequest<ReportDefinitionsResponse>, IRequiresRegionalPermission
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cur:DescribeReportDefinitions", ReportArns.Of(region, caller.AccountId, "*"));
}

/// <summary>One report of the caller's account; another account's is as if it did not exist.</summary>
internal sealed record GetReportDefinition(string ReportName) : IRequest<ReportDefinitionResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cur:DescribeReportDefinitions", ReportArns.Of(region, caller.AccountId, ReportName));

    public void Validate() => ReportNames.Validate(ReportName);
}

/// <summary>DeleteReportDefinition: no more files are written; those written stay in the bucket, as with AWS.</summary>
internal sealed record DeleteReportDefinition(string ReportName) : IRequest, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("cur:DeleteReportDefinition", ReportArns.Of(region, caller.AccountId, ReportName));

    public void Validate() => ReportNames.Validate(ReportName);
}

internal sealed record ReportDefinitionsResponse(IReadOnlyList<ReportDefinitionResponse> ReportDefinitions);

/// <param name="ReportStatus">When the delivery job last ran for it and how it went; null before its first run.</param>
internal sealed record ReportDefinitionResponse(string ReportName, string TimeUnit, string Format, string S3Bucket, string S3Prefix,
    IReadOnlyList<string> AdditionalSchemaElements, string ReportVersioning, DateTime CreatedAt, ReportStatusResponse? ReportStatus)
{
    public static ReportDefinitionResponse Of(CostReport r) => new(r.Name, r.TimeUnit, "textORcsv", r.Bucket, r.Prefix, ["RESOURCES"], "OVERWRITE_REPORT",
        r.CreatedAt, r.LastDelivery is { } last ? new ReportStatusResponse(last, r.LastStatus ?? "SUCCESS") : null);
}

internal sealed record ReportStatusResponse(DateTime LastDelivery, string LastStatus);

internal static class ReportArns
{
    public static string Of(string region, string accountId, string name) => Arns.Build("cur", region, accountId, $"definition/{name}");
}

internal static class ReportNames
{
    /// <summary>AWS's pattern for ReportName: letters, digits and !-_.*'(), up to 256 characters.</summary>
    public static void Validate(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 256 || !name.All(c => char.IsAsciiLetterOrDigit(c) || "!-_.*'()".Contains(c)))
        {
            throw CostReportErrors.Validation("report_name must be 1 to 256 letters, digits and !-_.*'() characters.");
        }
    }
}

/// <summary>The Cost and Usage Report API's errors (its codes: ValidationException, DuplicateReportNameException, …).</summary>
internal static class CostReportErrors
{
    public static ApiException Validation(string message) => new(400, "ValidationException", message);

    public static ApiException Duplicate(string name) => new(400, "DuplicateReportNameException", $"A report named '{name}' already exists.");

    public static ApiException LimitReached() =>
        new(400, "ReportLimitReachedException", $"An account may have {PutReportDefinition.MaxReportsPerAccount} report definitions at most.");

    public static ApiException NotFound(string name) => ApiErrors.NotFound("ResourceNotFoundException", $"The report definition '{name}' does not exist.");

    public static ApiException BucketNotWritable() => Validation("Failed to verify customer bucket permission: the bucket must be the account's and the caller allowed to write to it.");
}

internal sealed class PutReportDefinitionHandler(BillingDbContext db, ICallerContext caller, ISender sender, TimeProvider clock)
    : IRequestHandler<PutReportDefinition, ReportDefinitionResponse>
{
    public async ValueTask<ReportDefinitionResponse> Handle(PutReportDefinition request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var name = request.ReportName!;
        var prefix = (request.S3Prefix ?? "").TrimEnd('/');
        if (await db.CostReports.AnyAsync(r => r.AccountId == account && r.Name == name, cancellationToken))
        {
            throw CostReportErrors.Duplicate(name);
        }

        if (await db.CostReports.CountAsync(r => r.AccountId == account, cancellationToken) >= PutReportDefinition.MaxReportsPerAccount)
        {
            throw CostReportErrors.LimitReached();
        }

        string owner;
        try
        {
            owner = await sender.Send(new AuthorizeBucketWrite(request.S3Bucket!, CostReportKeys.Folder(prefix, name)), cancellationToken);
        }
        catch (ApiException e) when (e.Code is "NoSuchBucket" or "AccessDenied")
        {
            throw CostReportErrors.BucketNotWritable();
        }

        if (owner != account)
        {
            // Writable through the owner's bucket policy, but the files are the account's own: its bucket only.
            throw CostReportErrors.BucketNotWritable();
        }

        var report = new CostReport
        {
            AccountId = account, Name = name, TimeUnit = request.TimeUnit!, Bucket = request.S3Bucket!, Prefix = prefix, CreatedAt = clock.GetUtcNow().UtcDateTime,
        };
        db.CostReports.Add(report);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (UniqueViolation.Is(e))
        {
            throw CostReportErrors.Duplicate(name); // the same name by a concurrent request
        }

        return ReportDefinitionResponse.Of(report);
    }
}

internal sealed class ReportDefinitionQueries(BillingDbContext db, ICallerContext caller)
    : IRequestHandler<DescribeReportDefinitions, ReportDefinitionsResponse>, IRequestHandler<GetReportDefinition, ReportDefinitionResponse>,
        IRequestHandler<DeleteReportDefinition>
{
    public async ValueTask<ReportDefinitionsResponse> Handle(DescribeReportDefinitions request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var reports = await db.CostReports.AsNoTracking().Where(r => r.AccountId == account).OrderBy(r => r.Name).ToListAsync(cancellationToken);
        return new ReportDefinitionsResponse([.. reports.Select(ReportDefinitionResponse.Of)]);
    }

    public async ValueTask<ReportDefinitionResponse> Handle(GetReportDefinition request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var report = await db.CostReports.AsNoTracking().SingleOrDefaultAsync(r => r.AccountId == account && r.Name == request.ReportName, cancellationToken)
            ?? throw CostReportErrors.NotFound(request.ReportName);
        return ReportDefinitionResponse.Of(report);
    }

    public async ValueTask<Unit> Handle(DeleteReportDefinition request, CancellationToken cancellationToken)
    {
        var account = caller.Identity.AccountId;
        var deleted = await db.Database.CreateExecutionStrategy().ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var reports = await db.CostReports.Where(r => r.AccountId == account && r.Name == request.ReportName).ExecuteDeleteAsync(ct);
            // A report made again under the name starts over: its closed months are written again.
            await db.CostReportDeliveries.Where(d => d.AccountId == account && d.ReportName == request.ReportName).ExecuteDeleteAsync(ct);
            await transaction.CommitAsync(ct);
            return reports;
        }, cancellationToken);
        return deleted > 0 ? Unit.Value : throw CostReportErrors.NotFound(request.ReportName);
    }
}
