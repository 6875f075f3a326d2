using System.Globalization;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.Modules.Network.Persistence;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Messaging;

namespace Platform.Modules.Network.LoadBalancing.TargetGroups;

/// <summary>
/// ELBv2's CreateTargetGroup for instance and ip targets in a VPC of the account. Health check settings default as ELBv2's do
/// (HTTP groups: HTTP on <c>/</c>, 30 s interval, 5 s timeout, 5 healthy, 2 unhealthy, matcher 200; TCP/UDP groups: TCP,
/// 30 s, 10 s, 5, 2). Creating a group again with the same name and settings answers the existing group, as ELBv2 does.
/// </summary>
internal sealed record CreateTargetGroup(
    string Region,
    string? Name,
    string? Protocol,
    int? Port,
    string? VpcId,
    string? TargetType,
    bool? HealthCheckEnabled,
    string? HealthCheckProtocol,
    string? HealthCheckPort,
    string? HealthCheckPath,
    int? HealthCheckIntervalSeconds,
    int? HealthCheckTimeoutSeconds,
    int? HealthyThresholdCount,
    int? UnhealthyThresholdCount,
    string? Matcher,
    int? DeregistrationDelaySeconds,
    IReadOnlyList<ElbTag>? Tags) : IRequest<TargetGroupResponse>, IRequiresPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller) =>
        new("elasticloadbalancing:CreateTargetGroup", ElbArns.Any(Region, caller.AccountId, "targetgroup"));

    public void Validate()
    {
        ElbNames.Check(Name, "Target group");
        Parameter.Required(Protocol, "Protocol");
        if (Protocol is "HTTPS" or "TLS")
        {
            throw ElbErrors.UnsupportedProtocol(Protocol);
        }

        Parameter.OneOf(Protocol, "protocol", TargetGroupSettings.Protocols);
        if (Port is not (>= 1 and <= 65535))
        {
            throw ElbErrors.Validation("A target group needs a port from 1 to 65535.");
        }

        Parameter.Required(VpcId, "VpcId");
        if (TargetType is not null)
        {
            Parameter.OneOf(TargetType, "targetType", "instance", "ip");
        }

        TargetGroupSettings.From(this);
        ElbNames.Tags(Tags);
        if (DeregistrationDelaySeconds is < 0 or > 3600)
        {
            throw ElbErrors.Validation("deregistration_delay.timeout_seconds is 0 to 3600.");
        }
    }
}

/// <summary>The checked health check settings of a target group with ELBv2's defaults and ranges.</summary>
internal sealed record TargetGroupSettings(string Protocol, string Port, string? Path, int Interval, int Timeout, int Healthy, int Unhealthy, string? Matcher)
{
    public static readonly string[] Protocols = ["HTTP", "TCP", "UDP", "TCP_UDP"];

    public static TargetGroupSettings From(CreateTargetGroup request)
    {
        var http = request.Protocol == "HTTP";
        var protocol = request.HealthCheckProtocol ?? (http ? "HTTP" : "TCP");
        Parameter.OneOf(protocol, "healthCheckProtocol", "HTTP", "TCP");
        if (http && protocol != "HTTP")
        {
            throw ElbErrors.Validation("An HTTP target group's health checks use HTTP.");
        }

        var port = request.HealthCheckPort ?? "traffic-port";
        if (port != "traffic-port" && !(int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= 65535))
        {
            throw ElbErrors.Validation($"Health check port must be 'traffic-port' or 1 to 65535, not '{port}'.");
        }

        var checksHttp = protocol == "HTTP";
        var path = request.HealthCheckPath ?? (checksHttp ? "/" : null);
        if (path is not null && (!checksHttp || !path.StartsWith('/') || path.Length > 1024 || path.Any(char.IsWhiteSpace)))
        {
            throw ElbErrors.Validation(checksHttp ? $"Health check path must start with '/' and have at most 1024 characters, not '{path}'." : "A TCP health check has no path.");
        }

        var interval = Range(request.HealthCheckIntervalSeconds ?? 30, 5, 300, "Health check interval");
        var timeout = Range(request.HealthCheckTimeoutSeconds ?? (http ? 5 : 10), 2, 120, "Health check timeout");
        if (timeout >= interval)
        {
            throw ElbErrors.Validation($"Health check timeout '{timeout}' must be smaller than the interval '{interval}'.");
        }

        var healthy = Range(request.HealthyThresholdCount ?? 5, 2, 10, "Healthy threshold count");
        var unhealthy = Range(request.UnhealthyThresholdCount ?? 2, 2, 10, "Unhealthy threshold count");
        var matcher = checksHttp ? request.Matcher ?? "200" : request.Matcher;
        if (matcher is not null && (!checksHttp || !HttpCodes.TryParse(matcher, out _)))
        {
            throw ElbErrors.Validation(checksHttp ? $"Matcher '{matcher}' must be HTTP codes from 200 to 499: '200', '200,202' or '200-299'." : "A TCP health check has no matcher.");
        }

        return new TargetGroupSettings(protocol, port, path, interval, timeout, healthy, unhealthy, matcher);
    }

    private static int Range(int value, int min, int max, string what) =>
        value >= min && value <= max ? value : throw ElbErrors.Validation($"{what} must be {min} to {max}, not {value}.");
}

/// <summary>ELBv2's matcher codes: single codes, comma lists and ranges of 200–499.</summary>
internal static class HttpCodes
{
    public static bool TryParse(string text, out IReadOnlyList<(int From, int To)> ranges)
    {
        var parsed = new List<(int, int)>();
        ranges = parsed;
        foreach (var part in text.Split(','))
        {
            var bounds = part.Split('-');
            if (bounds.Length > 2 || !bounds.All(b => int.TryParse(b, NumberStyles.None, CultureInfo.InvariantCulture, out var code) && code is >= 200 and <= 499))
            {
                return false;
            }

            var from = int.Parse(bounds[0], CultureInfo.InvariantCulture);
            var to = int.Parse(bounds[^1], CultureInfo.InvariantCulture);
            if (from > to)
            {
                return false;
            }

            parsed.Add((from, to));
        }

        return true;
    }
}

internal sealed class CreateTargetGroupHandler(NetworkDbContext db, ICallerContext caller) : IRequestHandler<CreateTargetGroup, TargetGroupResponse>
{
    public async ValueTask<TargetGroupResponse> Handle(CreateTargetGroup request, CancellationToken cancellationToken)
    {
        var accountId = caller.Identity.AccountId;
        var settings = TargetGroupSettings.From(request);
        if (!await db.Vpcs.AnyAsync(v => v.Id == request.VpcId && v.AccountId == accountId, cancellationToken))
        {
            throw ElbErrors.Validation($"The VPC ID '{request.VpcId}' is not found");
        }

        var id = ElbArns.NewId();
        var group = new TargetGroup
        {
            Arn = ElbArns.TargetGroup(request.Region, accountId, request.Name!, id),
            AccountId = accountId,
            Name = request.Name!,
            Protocol = request.Protocol!,
            Port = request.Port!.Value,
            VpcId = request.VpcId!,
            TargetType = request.TargetType ?? "instance",
            HealthCheckEnabled = request.HealthCheckEnabled ?? true,
            HealthCheckProtocol = settings.Protocol,
            HealthCheckPort = settings.Port,
            HealthCheckPath = settings.Path,
            HealthCheckIntervalSeconds = settings.Interval,
            HealthCheckTimeoutSeconds = settings.Timeout,
            HealthyThresholdCount = settings.Healthy,
            UnhealthyThresholdCount = settings.Unhealthy,
            Matcher = settings.Matcher,
            DeregistrationDelaySeconds = request.DeregistrationDelaySeconds ?? 300,
            TagsJson = ElbJson.Write(ElbNames.Tags(request.Tags)),
            CreatedAt = DateTime.UtcNow,
        };

        if (await SameNamedAsync(accountId, group, cancellationToken) is { } existing)
        {
            return existing;
        }

        db.TargetGroups.Add(group);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException)
        {
            // A twin request took the name first.
            db.ChangeTracker.Clear();
            return await SameNamedAsync(accountId, group, cancellationToken) ?? throw ElbErrors.DuplicateTargetGroupName(group.Name);
        }

        return TargetGroupResponse.From(group, []);
    }

    private async Task<TargetGroupResponse?> SameNamedAsync(string accountId, TargetGroup wanted, CancellationToken cancellationToken)
    {
        var existing = await db.TargetGroups.AsNoTracking().SingleOrDefaultAsync(g => g.AccountId == accountId && g.Name == wanted.Name, cancellationToken);
        if (existing is null)
        {
            return null;
        }

        if ((existing.Protocol, existing.Port, existing.VpcId, existing.TargetType) != (wanted.Protocol, wanted.Port, wanted.VpcId, wanted.TargetType))
        {
            throw ElbErrors.DuplicateTargetGroupName(wanted.Name);
        }

        var users = await db.LoadBalancersByTargetGroupAsync(accountId, cancellationToken);
        return TargetGroupResponse.From(existing, users.GetValueOrDefault(existing.Arn)?.ToList() ?? []);
    }
}
