using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Platform.HostAgent.Protocol;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Database.Contracts;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Compute.Hosts;

/// <summary>Composes what one host should run from the instances placed on it.</summary>
internal static class HostDesiredStates
{
    /// <param name="region">The region the API serves: what the metadata service tells guests (placement/region, the identity document).</param>
    public static async Task<HostDesiredState> ComposeAsync(ComputeDbContext db, ISender sender, HostRecord host, string region, CancellationToken cancellationToken)
    {
        var instances = await db.Instances.AsNoTracking()
            .Where(i => i.HostId == host.Id && i.DesiredPower != DesiredPowers.Absent)
            .OrderBy(i => i.Id)
            .ToListAsync(cancellationToken);
        var ids = instances.Select(i => i.Id).ToList();
        var firewalls = ids.Count == 0 ? [] : await sender.Send(new DescribeInterfaceFirewall(InstanceIds: ids), cancellationToken);
        var byInstance = firewalls.Where(f => f.InstanceId is not null).ToLookup(f => f.InstanceId!, StringComparer.Ordinal);

        // Each VPC here (its instances' and its NAT gateways'), with where its other interfaces are and its subnets' routes.
        var vpcs = firewalls.GroupBy(f => f.VpcId).Select(g => (VpcId: g.Key, IsolationId: g.First().VpcIsolationId)).ToList();
        // The load balancer nodes it carries (their VPCs join this server's) and where its VPCs' other nodes run.
        var balancing = await sender.Send(new DescribeHostLoadBalancerNodes(host.Id, vpcs.Select(v => v.VpcId).ToList()), cancellationToken);
        vpcs.AddRange(balancing.Vpcs.Where(v => vpcs.All(known => known.VpcId != v.VpcId)).Select(v => (v.VpcId, v.IsolationId)));
        var edge = await HostNetworkEdges.ComposeAsync(db, sender, host, vpcs, cancellationToken, balancing.Elsewhere);
        var nodes = JsonSerializer.Deserialize<List<DesiredLoadBalancerNode>>(balancing.DesiredNodesJson, AgentApi.Json) ?? [];

        // Each part's SHA-256 as recorded at upload, which the agent checks the bytes it fetches against.
        var imageIds = instances.Select(i => i.ImageId).Distinct().ToList();
        var digests = imageIds.Count == 0 ? [] : (await db.Images.AsNoTracking().Where(i => imageIds.Contains(i.Id)).ToListAsync(cancellationToken))
            .ToDictionary(i => i.Id, i => (IReadOnlyDictionary<string, string>)ImagePartsMap.Read(i).ToDictionary(p => p.Key, p => p.Value.Sha256),
                StringComparer.Ordinal);

        var volumes = await sender.Send(new DescribeHostVolumes(host.Id), cancellationToken);
        var databases = await ManagedDatabasesAsync(sender, instances, cancellationToken);
        return new HostDesiredState(host.Id, host.DesiredVersion, instances.Where(i => !HeldBack(i, databases) && !i.AwaitingCapacity)
                .Select(i => WithReplicationPeer(Desired(i, byInstance[i.Id], digests.GetValueOrDefault(i.ImageId), region) with { Database = databases.GetValueOrDefault(i.Id) }))
                .ToList(),
            edge.Networks, volumes.Select(Desired).ToList(), edge.NatGateways, edge.PublicNetwork, nodes);
    }

    /// <summary>
    /// Whether a DB instance's guest is kept out of the server's desired state: while it has never run and its database cannot
    /// be composed yet (its data volume is made after the launch commits). Defined in that window, the guest would get no
    /// management channel, which the agent adds only when it defines a domain, and would never be configured (seen: a
    /// restored instance on a server that already had the image stayed <c>creating</c>). A guest that has run stays in
    /// whatever the Database module says, as before.
    /// </summary>
    internal static bool HeldBack(Instance instance, IReadOnlyDictionary<string, DesiredDatabase> databases) =>
        instance.ManagedBy == ManagedModules.Rds && instance.State == InstanceStates.Pending && !databases.ContainsKey(instance.Id);

    /// <summary>
    /// What each DB instance's guest here must run, from the Database module, once its data volume exists (the guest's
    /// database lives on it). A DB instance that is gone, or cannot be composed yet, leaves its guest without one: the
    /// agent then keeps the guest's database as it is.
    /// </summary>
    private static async Task<Dictionary<string, DesiredDatabase>> ManagedDatabasesAsync(ISender sender, IReadOnlyList<Instance> instances, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, DesiredDatabase>(StringComparer.Ordinal);
        foreach (var instance in instances.Where(i => i.ManagedBy == ManagedModules.Rds && i.ManagedResourceId is not null && i.DataVolumeId is not null))
        {
            var managed = await sender.Send(new DescribeManagedDatabase(instance.ManagedResourceId!, instance.DataVolumeId!), cancellationToken);
            if (managed is not null && managed.AccountId == instance.AccountId
                && JsonSerializer.Deserialize<DesiredDatabase>(managed.DesiredDatabaseJson, AgentApi.Json) is { } database)
            {
                found[instance.Id] = database;
            }
        }

        return found;
    }

    /// <summary>
    /// A Multi-AZ database guest reaches its peer on the database port and is reached by it, whatever the tenant's security
    /// groups say (RDS's own replication does not depend on them either): the rule goes on the guest's interface only, from
    /// the Database module's desired replication, never into the tenant's groups.
    /// </summary>
    internal static DesiredInstance WithReplicationPeer(DesiredInstance instance)
    {
        if (instance.Database is not { Replication.PeerAddress: { } peer } database)
        {
            return instance;
        }

        var port = database.Replication.PeerPort ?? database.Port;
        var rule = new DesiredFirewallRule("tcp", port, port, peer + "/32");
        return instance with
        {
            Interfaces = [.. (instance.Interfaces ?? []).Select(n => n with { Ingress = [.. n.Ingress, rule], Egress = [.. n.Egress, rule] })],
        };
    }

    /// <summary>A block volume Storage keeps on this server, as the agent reads it.</summary>
    private static DesiredVolume Desired(HostVolume volume) => new(
        volume.VolumeId,
        volume.SizeGiB * 1024L * 1024 * 1024,
        volume.Present,
        volume.RestoreFromSnapshotId,
        volume.AttachedInstanceId is { } instanceId && volume.TargetDevice is { } target
            ? new DesiredAttachment(instanceId, target, BlockVolumes.Serial(volume.VolumeId))
            : null,
        volume.PendingSnapshotIds,
        volume.EncryptionKey);

    private static DesiredInstance Desired(Instance instance, IEnumerable<InterfaceFirewall> firewalls, IReadOnlyDictionary<string, string>? digests, string region)
    {
        var nics = firewalls.Select(f => new DesiredInterface(f.NetworkInterfaceId, f.MacAddress, f.PrivateIpAddress, f.PrefixLength, f.Gateway,
            f.VpcId, f.VpcIsolationId, f.Ingress.Select(Rule).ToList(), f.Egress.Select(Rule).ToList(), f.PublicIpAddress, f.SubnetId)).ToList();
        var type = InstanceTypeCatalog.Find(instance.InstanceType)
            ?? throw new InvalidOperationException($"Instance {instance.Id} has the unknown type {instance.InstanceType}.");
        var format = instance.ImageFormat == ImageFormats.Qcow2 ? ImageFormat.Qcow2 : ImageFormat.Kernel;
        return new DesiredInstance(
            instance.Id,
            type.VirtualCpus,
            type.MemoryMiB,
            instance.DesiredPower == DesiredPowers.Running ? DesiredPower.Running : DesiredPower.Stopped,
            new GuestImage(instance.ImageId, format, digests),
            CommandLine(instance),
            instance.RebootCount,
            nics,
            instance.PublicKey,
            instance.UserData,
            instance.StartCount,
            Metadata(instance, region));
    }

    /// <summary>What the instance metadata service tells the guest about itself (its NICs, key and user data travel beside it).</summary>
    internal static DesiredInstanceMetadata Metadata(Instance instance, string region) => new(
        instance.AccountId,
        region,
        instance.AvailabilityZone,
        instance.InstanceType,
        instance.ImageId,
        LocalHostname(instance.PrivateIpAddress, region),
        new DateTimeOffset(DateTime.SpecifyKind(instance.LaunchedAt ?? instance.CreatedAt, DateTimeKind.Utc)),
        instance.KeyName,
        HttpTokens: instance.HttpTokens,
        HttpPutResponseHopLimit: instance.HttpPutResponseHopLimit,
        HttpEndpoint: instance.HttpEndpoint,
        SpotInstanceAction: instance.SpotActionTime is { } actionTime
            ? new DesiredSpotAction(instance.SpotInterruptionBehavior ?? SpotMarket.Terminate, new DateTimeOffset(DateTime.SpecifyKind(actionTime, DateTimeKind.Utc)))
            : null,
        IamInstanceProfile: instance is { IamInstanceProfileArn: { } arn, IamInstanceProfileId: { } id, IamInstanceProfileAssociationId: { } association }
            ? new DesiredInstanceProfile(arn, id, association)
            : null);

    /// <summary>EC2's private DNS name: ip-10-0-1-5.ec2.internal in us-east-1, ip-10-0-1-5.REGION.compute.internal elsewhere.</summary>
    internal static string LocalHostname(string? privateIp, string region)
    {
        var name = privateIp is null ? "localhost" : "ip-" + privateIp.Replace('.', '-');
        return region == "us-east-1" ? $"{name}.ec2.internal" : $"{name}.{region}.compute.internal";
    }

    private static DesiredFirewallRule Rule(FirewallRule rule) => new(rule.Protocol, rule.FromPort, rule.ToPort, rule.Cidr);

    /// <summary>
    /// The image's parameters, then the instance's id (the test image's console marker). Everything else the
    /// guest is told (its key, user data, network) travels on its config drive, which has no length limit.
    /// </summary>
    public static string CommandLine(Instance instance)
    {
        var line = instance.ImageCommandLine.Trim();
        return $"{line}{(line.Length > 0 ? " " : "")}platform.marker={instance.Id}";
    }
}

/// <summary>The modules that launch managed instances, by the name they are kept under.</summary>
internal static class ManagedModules
{
    public const string Rds = "rds";
}

internal static class ImageFormats
{
    public const string Kernel = "kernel";
    public const string Qcow2 = "qcow2";
}
