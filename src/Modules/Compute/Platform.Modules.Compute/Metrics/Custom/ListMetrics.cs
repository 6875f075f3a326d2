using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Compute.Alarms;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Compute.Metrics.Custom;

/// <summary>A ListMetrics dimension filter: the metric has a dimension of this name (and, when given, this value).</summary>
internal sealed record DimensionFilter(string? Name, string? Value);

internal sealed record ListMetricsResponse(IReadOnlyList<MetricIdentity> Metrics);

/// <summary>
/// CloudWatch's ListMetrics over the caller's own metrics: its custom metrics that have datapoints, EC2's metrics of its
/// instances that have usage datapoints (dimension InstanceId), and RDS's of its DB instances (dimension DBInstanceIdentifier):
/// CPUUtilization, ReadIOPS and WriteIOPS once the machine that runs one has usage datapoints, FreeStorageSpace and
/// DatabaseConnections once its guest's figures are kept, ReplicaLag once they carried a lag (the Database module's contract says
/// which), and AWS/AutoScaling's of its
/// groups that have datapoints (dimension AutoScalingGroupName), filtered by namespace, metric name and dimensions, in the
/// order namespace, name, dimensions. Paging (500 a page, as CloudWatch's) is the protocol's.
/// </summary>
internal sealed record ListMetrics(string? Namespace, string? MetricName, IReadOnlyList<DimensionFilter> Dimensions)
    : IRequest<ListMetricsResponse>, IRequiresRegionalPermission, IValidatable
{
    public const int MaxFilters = 10;

    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) => new("cloudwatch:ListMetrics", "*");

    public void Validate()
    {
        if (Namespace is not null)
        {
            CustomMetricIdentity.EnsureName(Namespace, "Namespace", 255);
        }

        if (MetricName is not null)
        {
            CustomMetricIdentity.EnsureName(MetricName, "MetricName", 255);
        }

        if (Dimensions.Count > MaxFilters)
        {
            throw ApiErrors.InvalidParameterValue($"The collection Dimensions must not have a size greater than {MaxFilters}.");
        }

        for (var i = 0; i < Dimensions.Count; i++)
        {
            CustomMetricIdentity.EnsureName(Dimensions[i].Name, $"Dimensions.member.{i + 1}.Name", 255);
            if (Dimensions[i].Value is { } value)
            {
                CustomMetricIdentity.EnsureName(value, $"Dimensions.member.{i + 1}.Value", 1024);
            }
        }
    }

    /// <summary>The order ListMetrics answers in, and the key its pages are cut at.</summary>
    public static string SortKey(MetricIdentity m) =>
        string.Join('\u0001', new[] { m.Namespace, m.MetricName }.Concat(m.Dimensions.SelectMany(d => new[] { d.Name ?? "", d.Value ?? "" })));
}

internal sealed class ListMetricsHandler(ComputeDbContext db, ICallerContext caller, ISender sender) : IRequestHandler<ListMetrics, ListMetricsResponse>
{
    public async ValueTask<ListMetricsResponse> Handle(ListMetrics request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var found = new List<MetricIdentity>();
        if (request.Namespace is null || !request.Namespace.StartsWith(CustomMetricIdentity.ReservedPrefix, StringComparison.Ordinal))
        {
            var custom = db.CustomMetrics.AsNoTracking().Where(m => m.AccountId == accountId && db.CustomMetricData.Any(d => d.MetricId == m.Id));
            if (request.Namespace is { } ns)
            {
                custom = custom.Where(m => m.Namespace == ns);
            }

            if (request.MetricName is { } name)
            {
                custom = custom.Where(m => m.MetricName == name);
            }

            found.AddRange((await custom.ToListAsync(cancellationToken)).Select(m => new MetricIdentity(m.Namespace, m.MetricName, CustomMetricIdentity.Parse(m.Dimensions))));
        }

        if (request.Namespace is null or AlarmDimensions.Namespace && (request.MetricName is null || InstanceMetricCatalog.ByName.ContainsKey(request.MetricName)))
        {
            // The account's own instances (not the managed ones a service runs for it) that have usage datapoints kept.
            var instances = await db.InstanceMetrics.AsNoTracking().Where(m => m.AccountId == accountId
                    && db.Instances.Any(i => i.Id == m.InstanceId && i.AccountId == accountId && i.ManagedBy == null))
                .Select(m => m.InstanceId).Distinct().ToListAsync(cancellationToken);
            found.AddRange(instances.SelectMany(id => InstanceMetricCatalog.All.Where(c => request.MetricName is null || c.Name == request.MetricName)
                .Select(c => new MetricIdentity(AlarmDimensions.Namespace, c.Name, [new MetricDimension(AlarmDimensions.InstanceId, id)]))));
        }

        if (request.Namespace is null or RdsMetricCatalog.Namespace && (request.MetricName is null || RdsMetricCatalog.ByName.ContainsKey(request.MetricName)))
        {
            var databases = await sender.Send(new ListDatabaseMetricSources(accountId), cancellationToken);
            var resourceIds = databases.Select(d => d.ResourceId).ToList();
            // The machines that run them (managed instances carry the DbiResourceId) that have usage datapoints kept.
            var measured = new HashSet<string>(StringComparer.Ordinal);
            if (resourceIds.Count > 0)
            {
                measured.UnionWith(await db.Instances.AsNoTracking()
                    .Where(i => i.ManagedBy != null && i.ManagedResourceId != null && resourceIds.Contains(i.ManagedResourceId!) && db.InstanceMetrics.Any(m => m.InstanceId == i.Id))
                    .Select(i => i.ManagedResourceId!).Distinct().ToListAsync(cancellationToken));
            }

            found.AddRange(databases.SelectMany(d => RdsMetricCatalog.All
                .Where(c => (request.MetricName is null || c.Name == request.MetricName) && (c.FromGuest ? (c.Name == "ReplicaLag" ? d.HasReplicaLag : d.HasGuestMetrics) : measured.Contains(d.ResourceId)))
                .Select(c => new MetricIdentity(RdsMetricCatalog.Namespace, c.Name, [new MetricDimension(RdsMetricCatalog.DbInstanceIdentifier, d.DbInstanceIdentifier)]))));
        }

        if (request.Namespace is null or AutoScalingMetricCatalog.Namespace && (request.MetricName is null || AutoScalingMetricCatalog.Names.Contains(request.MetricName)))
        {
            // The groups' metrics with datapoints kept (metrics collection enabled at some time), by the group's name.
            var recorded = await db.ScalingGroupMetrics.AsNoTracking().Where(m => m.AccountId == accountId && (request.MetricName == null || m.MetricName == request.MetricName))
                .Select(m => new { m.GroupName, m.MetricName }).Distinct().ToListAsync(cancellationToken);
            found.AddRange(recorded.Select(r => new MetricIdentity(AutoScalingMetricCatalog.Namespace, r.MetricName,
                [new MetricDimension(AutoScalingMetricCatalog.AutoScalingGroupName, r.GroupName)])));
        }

        var matching = found.Where(m => request.Dimensions.All(f => m.Dimensions.Any(d => d.Name == f.Name && (f.Value is null || d.Value == f.Value))))
            .OrderBy(ListMetrics.SortKey, StringComparer.Ordinal)
            .ToList();
        return new ListMetricsResponse(matching);
    }
}
