using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mediator;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Modules.Billing.Contracts;
using Platform.Modules.Compute.AutoScaling.LaunchTemplates;
using Platform.Modules.Compute.Contracts;
using Platform.Modules.Compute.Hosts;
using Platform.Modules.Compute.Images;
using Platform.Modules.Compute.InstanceTypes;
using Platform.Modules.Compute.Instances.Managed;
using Platform.Modules.Compute.Instances.Profiles;
using Platform.Modules.Compute.KeyPairs;
using Platform.Modules.Compute.Persistence;
using Platform.Modules.Compute.Scheduling;
using Platform.Modules.Iam.Contracts;
using Platform.Modules.Network.Contracts;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authorization;
using Platform.Modules.Shared.Errors;
using Platform.Modules.Shared.Hosting;
using Platform.Modules.Shared.Ids;
using Platform.Modules.Shared.Messaging;
using Platform.Modules.Storage.Contracts;

namespace Platform.Modules.Compute.Instances;

internal sealed record TagSpecification(string? Key, string? Value);

/// <summary>EC2's LaunchTemplateSpecification: a template by id or by name, and its version (<c>$Default</c> when left out).</summary>
internal sealed record LaunchTemplateSpecification(string? LaunchTemplateId, string? LaunchTemplateName, string? Version);

/// <summary>Whose managed instance a launch makes (<see cref="LaunchManagedInstance"/>); null for a tenant's RunInstances.</summary>
/// <param name="AvoidHostIds">Servers it must not be placed on (<see cref="LaunchManagedInstance.AvoidHostIds"/>).</param>
internal sealed record ManagedLaunch(string ManagedBy, string ResourceId, IReadOnlyList<string>? AvoidHostIds = null);

/// <summary>The seed's answer to a launch: the id and <c>pending</c>, with the whole instance beside it.</summary>
internal sealed record RunInstanceResponse(string InstanceId, string Status, InstanceResponse Instance);

/// <summary>
/// Launches one instance: picks a host (the scheduler), records the instance as <c>pending</c> and raises
/// the host's desired-state version, which wakes its agent. <c>client_token</c> makes the call idempotent
/// as EC2 defines it: the same token with the same parameters answers the first launch, also when two
/// retries race; with other parameters it is IdempotentParameterMismatch.
/// </summary>
internal sealed record RunInstances(
    string? InstanceType,
    string? ImageId,
    string? KeyName,
    IReadOnlyList<string>? SecurityGroups,
    string? ClientToken,
    string? AvailabilityZone,
    IReadOnlyList<TagSpecification>? Tags,
    string? SubnetId = null,
    string? UserData = null,
    MetadataOptionsBody? MetadataOptions = null,
    IReadOnlyList<TagSpecification>? SystemTags = null,
    IamInstanceProfileSpecification? IamInstanceProfile = null,
    InstanceMarketOptions? InstanceMarketOptions = null,
    InstanceAttributeOptions? Attributes = null,
    LaunchTemplateSpecification? LaunchTemplate = null) : IRequest<RunInstanceResponse>, IRequiresRegionalPermission, IValidatable
{
    public PermissionRequirement RequiredPermission(CallerIdentity caller, string region) =>
        new("ec2:RunInstances", Arns.Build("ec2", region, caller.AccountId, "instance/*"));

    public void Validate()
    {
        if (LaunchTemplate is { } template)
        {
            // The template gives what the call leaves out; the launch checks the whole once the two are merged.
            if ((template.LaunchTemplateId is null) == (template.LaunchTemplateName is null))
            {
                throw new ApiException(400, "InvalidParameterCombination", "Give one of the launch template's id and name.");
            }

            LaunchTemplateLookup.EnsureVersionSyntax(template.Version);
        }
        else
        {
            Parameter.Required(InstanceType, "instance_type");
            Parameter.Required(ImageId, "image_id");
        }

        if (InstanceType is not null && InstanceTypeCatalog.Find(InstanceType) is null)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{InstanceType}' for InstanceType.");
        }

        if (ImageId is not null)
        {
            ImageLookup.EnsureWellFormed(ImageId);
        }
        if (ClientToken is { Length: 0 or > 64 })
        {
            throw ApiErrors.InvalidParameterValue("client_token must be 1 to 64 ASCII characters.");
        }

        if (SecurityGroups is { } groups && (groups.Count > 5 || groups.Any(g => string.IsNullOrWhiteSpace(g) || g.Length > 255)))
        {
            throw ApiErrors.InvalidParameterValue("security_groups takes at most 5 names or ids of 1 to 255 characters.");
        }

        InstanceTags.Validate(Tags);
        MetadataOptions?.Validate();
        InstanceMarketOptions?.Validate();
        Attributes?.Validate(spot: InstanceMarketOptions is not null);
        if (UserData is not null)
        {
            byte[] decoded;
            try
            {
                decoded = Convert.FromBase64String(UserData);
            }
            catch (FormatException)
            {
                throw ApiErrors.InvalidParameterValue("Invalid BASE64 encoding of user data.");
            }

            // It travels on the kernel command line of kernel images, which the kernel caps at 2 KiB in all.
            if (decoded.Length > MaxUserDataBytes)
            {
                throw ApiErrors.InvalidParameterValue($"User data is limited to {MaxUserDataBytes} bytes.");
            }
        }
    }

    /// <summary>EC2's limit, before base64: it travels on the config drive, not the kernel command line.</summary>
    public const int MaxUserDataBytes = 16 * 1024;

    /// <summary>What a retry must repeat exactly to count as the same request.</summary>
    public string ParametersHash()
    {
        object?[] parameters =
        [
            InstanceType, ImageId, KeyName, SecurityGroups ?? [], AvailabilityZone, SubnetId, UserData,
            MetadataOptions?.HttpTokens, MetadataOptions?.HttpPutResponseHopLimit, MetadataOptions?.HttpEndpoint,
            (Tags ?? []).Select(t => new[] { t.Key, t.Value }),
            (SystemTags ?? []).Select(t => new[] { t.Key, t.Value }),
            IamInstanceProfile?.Arn, IamInstanceProfile?.Name,
        ];
        // Spot options and attributes only when given: a launch without them hashes as it did before they existed (a retry across an upgrade matches).
        if (InstanceMarketOptions?.Resolved is { } spot)
        {
            parameters = [.. parameters, new[] { spot.MaxPrice, spot.SpotInstanceType, spot.InstanceInterruptionBehavior }];
        }

        if (Attributes is { } attributes && attributes != InstanceAttributeOptions.Defaults)
        {
            parameters = [.. parameters, new object?[] { attributes.DisableApiTermination, attributes.DisableApiStop, attributes.InstanceInitiatedShutdownBehavior }];
        }

        var canonical = JsonSerializer.Serialize(parameters);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
    }
}

internal sealed class RunInstancesHandler(
    ComputeDbContext db,
    ISender sender,
    ICallerContext caller,
    DesiredStateSignals signals,
    HostLiveness liveness,
    IOptions<SchedulerOptions> scheduler,
    IOptions<PlatformOptions> platform,
    IOptions<ComputeOptions> compute,
    InstanceProfileGrants profiles,
    TimeProvider clock) : IRequestHandler<RunInstances, RunInstanceResponse>, IRequestHandler<LaunchManagedInstance, ManagedInstance>
{
    public async ValueTask<RunInstanceResponse> Handle(RunInstances request, CancellationToken cancellationToken) =>
        await LaunchAsync(caller.Identity.AccountId, await WithTemplateAsync(caller.Identity.AccountId, request, cancellationToken), managed: null, cancellationToken);

    /// <summary>
    /// A launch from a template (EC2's LaunchTemplate): the version's image, type, key, groups, user data and tags, each
    /// overridden by what the call gives (tags merge, the call's value winning for a key both have), and EC2's
    /// <c>aws:ec2launchtemplate:id</c> and <c>aws:ec2launchtemplate:version</c> tags on the instance.
    /// </summary>
    private async Task<RunInstances> WithTemplateAsync(string accountId, RunInstances request, CancellationToken cancellationToken)
    {
        if (request.LaunchTemplate is not { } specification)
        {
            return request;
        }

        var template = await LaunchTemplateLookup.OwnedAsync(db, accountId, specification.LaunchTemplateId, specification.LaunchTemplateName, cancellationToken);
        var number = LaunchTemplateLookup.Resolve(template, specification.Version) ?? throw LaunchTemplateLookup.VersionNotFound(template, specification.Version);
        var data = LaunchTemplateData.From(await db.LaunchTemplateVersions.AsNoTracking()
            .SingleAsync(v => v.TemplateId == template.Id && v.VersionNumber == number, cancellationToken));
        var tags = (request.Tags ?? []).Concat(data.Tags ?? []).DistinctBy(t => t.Key, StringComparer.Ordinal).ToList();
        var merged = request with
        {
            InstanceType = request.InstanceType ?? data.InstanceType,
            ImageId = request.ImageId ?? data.ImageId,
            KeyName = request.KeyName ?? data.KeyName,
            SecurityGroups = request.SecurityGroups ?? data.SecurityGroups,
            UserData = request.UserData ?? data.UserData,
            Tags = tags.Count == 0 ? null : tags,
            SystemTags =
            [
                .. request.SystemTags ?? [],
                new TagSpecification("aws:ec2launchtemplate:id", template.Id),
                new TagSpecification("aws:ec2launchtemplate:version", number.ToString(CultureInfo.InvariantCulture)),
            ],
            LaunchTemplate = null,
        };
        if (merged.ImageId is null || merged.InstanceType is null)
        {
            throw ApiErrors.MissingParameter(
                $"The request must contain the parameter {(merged.ImageId is null ? "ImageId" : "InstanceType")}: neither the call nor version {number} of launch template {template.Id} gives it.");
        }

        merged.Validate();
        return merged;
    }

    /// <summary>
    /// The same launch for another module's guest: its image is the platform's (any account's available image, private
    /// to the operator), its interface in the tenant's subnet, and the instance marked managed so no EC2 call sees it.
    /// A managed instance made before answers again, and gets its data volume if a crash left it without one.
    /// </summary>
    public async ValueTask<ManagedInstance> Handle(LaunchManagedInstance request, CancellationToken cancellationToken)
    {
        if (InstanceTypeCatalog.Find(request.InstanceType) is null)
        {
            throw ApiErrors.InvalidParameterValue($"Invalid value '{request.InstanceType}' for InstanceType.");
        }

        var instance = await db.Instances.AsNoTracking()
            .SingleOrDefaultAsync(i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId, cancellationToken);
        if (instance is null)
        {
            var imageId = await ImageLookup.PlatformImageIdAsync(db, sender, request.ImageName, cancellationToken);
            var launch = new RunInstances(request.InstanceType, imageId, KeyName: null, request.SecurityGroupIds, ClientToken: null,
                AvailabilityZone: null, Tags: null, request.SubnetId);
            try
            {
                await LaunchAsync(request.AccountId, launch, new ManagedLaunch(request.ManagedBy, request.ResourceId, request.AvoidHostIds), cancellationToken);
            }
            catch (DbUpdateException)
            {
                // Another call for this resource committed first (the unique index): its launch stands.
                db.ChangeTracker.Clear();
            }

            instance = await db.Instances.AsNoTracking()
                .SingleAsync(i => i.ManagedBy == request.ManagedBy && i.ManagedResourceId == request.ResourceId, cancellationToken);
        }

        if (instance.DataVolumeId is null && instance.State is InstanceStates.Pending or InstanceStates.Running or InstanceStates.Stopped)
        {
            var volumeId = await sender.Send(new CreateManagedVolume(instance.AccountId, request.ManagedBy, instance.Id, instance.HostId,
                instance.AvailabilityZone, request.DataVolumeGiB), cancellationToken);
            await db.Instances.Where(i => i.Id == instance.Id && i.DataVolumeId == null)
                .ExecuteUpdateAsync(set => set.SetProperty(i => i.DataVolumeId, volumeId), cancellationToken);
            instance = await db.Instances.AsNoTracking().SingleAsync(i => i.Id == instance.Id, cancellationToken);
            await sender.Send(new RaiseHostDesiredState(instance.HostId), cancellationToken);
        }

        return ManagedInstances.From(instance);
    }

    private async Task<RunInstanceResponse> LaunchAsync(string accountId, RunInstances request, ManagedLaunch? managed, CancellationToken cancellationToken)
    {
        var parametersHash = request.ParametersHash();
        if (await FirstLaunchAsync(accountId, request.ClientToken, parametersHash, cancellationToken) is { } earlier)
        {
            return earlier;
        }

        if (request.AvailabilityZone is { } asked && !platform.Value.Zones.Contains(asked, StringComparer.Ordinal))
        {
            throw ApiErrors.InvalidParameterValue($"Invalid availability zone: [{asked}]");
        }

        var type = InstanceTypeCatalog.Find(request.InstanceType!)!;
        var image = managed is null
            ? await ImageLookup.LaunchableAsync(db, accountId, request.ImageId, cancellationToken)
            : await db.Images.AsNoTracking().SingleAsync(i => i.Id == request.ImageId, cancellationToken);
        string? publicKey = null;
        if (request.KeyName is { } keyName)
        {
            publicKey = await db.KeyPairs.AsNoTracking().Where(k => k.AccountId == accountId && k.Name == keyName)
                .Select(k => k.PublicKey).SingleOrDefaultAsync(cancellationToken)
                ?? throw DescribeKeyPairsHandler.KeyPairNotFound(keyName);
        }

        // Before anything is made: an unknown profile, another account's, or a role the caller may not pass launches nothing.
        var profile = request.IamInstanceProfile is { } specification ? await profiles.ResolveAsync(accountId, specification, cancellationToken) : null;

        // The interface comes first: its subnet fixes the zone. Without a subnet, the scheduler picks the
        // zone and the interface comes from the account's default subnet there. Network commits on its own,
        // so every failure from here on gives the interface back.
        var instanceId = ResourceIds.New("i");
        var zone = request.AvailabilityZone;
        if (request.SubnetId is null && zone is null)
        {
            zone = await PickZoneAsync(type, cancellationToken);
        }

        var groups = request.SecurityGroups ?? [];
        InstanceInterface nic;
        try
        {
            nic = await sender.Send(new CreateInstanceInterface(accountId, instanceId, request.SubnetId,
                groups.Where(g => g.StartsWith("sg-", StringComparison.Ordinal)).ToList(),
                groups.Where(g => !g.StartsWith("sg-", StringComparison.Ordinal)).ToList(), zone), cancellationToken);
        }
        catch
        {
            await ReleaseAsync(accountId, instanceId);
            throw;
        }

        try
        {
            if (request.InstanceMarketOptions is not null)
            {
                await EnsureSpotPriceAsync(type, nic.AvailabilityZone, request.InstanceMarketOptions.Resolved, cancellationToken);
            }

            var (instance, hostIds) = await ConcurrencyRetry.RunAsync(db,
                () => PlaceAsync(accountId, request, managed, instanceId, type, image, publicKey, profile, parametersHash, nic, cancellationToken));
            foreach (var hostId in hostIds)
            {
                signals.Changed(hostId);
            }

            return new RunInstanceResponse(instance.Id, instance.State, InstanceResponse.From(instance, hostReachable: true));
        }
        catch (DbUpdateException) when (request.ClientToken is not null)
        {
            // Another request with this token committed first: answer as it did.
            await ReleaseAsync(accountId, instanceId);
            db.ChangeTracker.Clear();
            return await FirstLaunchAsync(accountId, request.ClientToken, parametersHash, cancellationToken) ?? throw new InvalidOperationException(
                "A launch with a client token failed to commit, yet no launch with that token exists.");
        }
        catch
        {
            await ReleaseAsync(accountId, instanceId);
            throw;
        }
    }

    /// <summary>EC2's check of a spot launch: refused, before anything is placed, when the zone's spot price is above the tenant's maximum.</summary>
    private async Task EnsureSpotPriceAsync(InstanceType type, string zone, SpotMarketOptions spot, CancellationToken cancellationToken)
    {
        var price = await sender.Send(new GetSpotPrice(type.Name, zone), cancellationToken)
            ?? throw new ApiException(400, "Unsupported", $"There is no spot market for {type.Name} in {zone}.");
        if (spot.MaxPrice is { } text && SpotMarketOptions.MaxPriceValue(text) is { } max && max < price)
        {
            throw new ApiException(400, "SpotMaxPriceTooLow",
                $"Your Spot request price of {max.ToString(System.Globalization.CultureInfo.InvariantCulture)} is lower than the minimum required Spot request fulfillment price of {price.ToString(System.Globalization.CultureInfo.InvariantCulture)}.");
        }
    }

    /// <summary>The zone the scheduler would place in now; the launch is then placed within it.</summary>
    private async Task<string?> PickZoneAsync(InstanceType type, CancellationToken cancellationToken)
    {
        var (hosts, candidates) = await CandidatesAsync(cancellationToken);
        return Scheduler.Place(type, null, candidates, scheduler.Value) is PlacementDecision.Placed placed
            ? hosts.Single(h => h.Id == placed.HostId).AvailabilityZone
            : null;
    }

    private async Task ReleaseAsync(string accountId, string instanceId) =>
        await sender.Send(new ReleaseInstanceInterfaces(accountId, instanceId), CancellationToken.None);

    private async Task<(List<HostRecord> Hosts, List<HostCandidate> Candidates)> CandidatesAsync(CancellationToken cancellationToken)
    {
        var hosts = await db.Hosts.Where(h => !h.Disabled).ToListAsync(cancellationToken);
        var allocations = await HostAllocations.LoadAsync(db, cancellationToken);
        var candidates = hosts.Select(h =>
        {
            var used = allocations.GetValueOrDefault(h.Id);
            return new HostCandidate(h.Id, h.AvailabilityZone, h.Cpus, h.MemoryMiB, used.VirtualCpus, used.MemoryMiB,
                liveness.IsReachable(h) ? HostStatus.Available : HostStatus.Unreachable, h.DegradedReason);
        }).ToList();
        return (hosts, candidates);
    }

    /// <summary>
    /// Places the instance and commits it together with a new desired-state version for its server and for every
    /// other server running instances of its VPC: they must learn its server's tunnel and its NIC. In one commit, so
    /// no ordering of the Network module's own notification (which may be delivered before this commit and find the
    /// new server missing) can leave a server of the VPC without them.
    /// </summary>
    /// <returns>The instance and the servers whose desired state changed, its own first.</returns>
    private async Task<(Instance Instance, IReadOnlyList<string> HostIds)> PlaceAsync(string accountId, RunInstances request, ManagedLaunch? managed, string instanceId,
        InstanceType type, MachineImage image,
        string? publicKey, ResolvedInstanceProfile? profile, string parametersHash, InstanceInterface nic, CancellationToken cancellationToken)
    {
        var (hosts, candidates) = await CandidatesAsync(cancellationToken);
        if (managed?.AvoidHostIds is { Count: > 0 } avoid)
        {
            candidates = [.. candidates.Where(c => !avoid.Contains(c.HostId, StringComparer.Ordinal))];
        }

        var decision = Scheduler.Place(type, nic.AvailabilityZone, candidates, scheduler.Value);
        SpotReclaimPlan? reclaim = null;
        if (decision is PlacementDecision.NoCapacity refused)
        {
            // An on-demand launch takes spot capacity back rather than fail; a spot launch never does.
            reclaim = request.InstanceMarketOptions is null
                ? SpotReclaim.Choose(type, nic.AvailabilityZone, candidates, await SpotHoldingsAsync(nic.AvailabilityZone, cancellationToken), scheduler.Value)
                : null;
            decision = reclaim is null ? throw new ApiException(500, "InsufficientInstanceCapacity", refused.Explain()) : new PlacementDecision.Placed(reclaim.HostId);
        }

        var host = hosts.Single(h => h.Id == ((PlacementDecision.Placed)decision).HostId);
        host.DesiredVersion++;
        var now = clock.GetUtcNow().UtcDateTime;
        var spot = request.InstanceMarketOptions?.Resolved;
        var instance = new Instance
        {
            Id = instanceId,
            AccountId = accountId,
            InstanceType = type.Name,
            ImageId = image.Id,
            ImageFormat = image.Format,
            ImageCommandLine = image.CommandLine,
            KeyName = request.KeyName,
            PublicKey = publicKey,
            // Re-encoded: it goes on a kernel command line, where whitespace would split it.
            UserData = request.UserData is null ? null : Convert.ToBase64String(Convert.FromBase64String(request.UserData)),
            State = InstanceStates.Pending,
            HostId = host.Id,
            AvailabilityZone = host.AvailabilityZone,
            SecurityGroups = JsonSerializer.Serialize(nic.SecurityGroupIds),
            NetworkInterfaceId = nic.NetworkInterfaceId,
            MacAddress = nic.MacAddress,
            PrivateIpAddress = nic.PrivateIpAddress,
            SubnetId = nic.SubnetId,
            VpcId = nic.VpcId,
            ClientToken = request.ClientToken,
            ParametersHash = parametersHash,
            DesiredPower = DesiredPowers.Running,
            HttpTokens = request.MetadataOptions?.HttpTokens ?? InstanceMetadataDefaults.HttpTokens,
            DisableApiTermination = request.Attributes?.DisableApiTermination ?? false,
            DisableApiStop = request.Attributes?.DisableApiStop ?? false,
            InstanceInitiatedShutdownBehavior = request.Attributes?.InstanceInitiatedShutdownBehavior ?? ShutdownBehaviors.Stop,
            HttpPutResponseHopLimit = request.MetadataOptions?.HttpPutResponseHopLimit ?? InstanceMetadataDefaults.HopLimit,
            HttpEndpoint = request.MetadataOptions?.HttpEndpoint ?? InstanceMetadataDefaults.HttpEndpoint,
            ChangedAtVersion = host.DesiredVersion,
            CreatedAt = now,
            ManagedBy = managed?.ManagedBy,
            ManagedResourceId = managed?.ResourceId,
            InstanceLifecycle = spot is null ? null : SpotMarket.Spot,
            SpotInstanceRequestId = spot is null ? null : "sir-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)),
            SpotMaxPrice = spot?.MaxPrice is { } max ? SpotMarketOptions.MaxPriceValue(max) : null,
            SpotInterruptionBehavior = spot?.InstanceInterruptionBehavior,
            // Kept out of its server's desired state until the spot instances interrupted for it have stopped or terminated.
            AwaitingCapacity = reclaim is not null,
            // System tags (aws:autoscaling:groupName) come from the platform itself, never from a caller's body: no endpoint sets them.
            Tags = (request.Tags ?? []).Concat(request.SystemTags ?? []).DistinctBy(t => t.Key, StringComparer.Ordinal)
                .Select(t => new InstanceTag { InstanceId = instanceId, Key = t.Key!, Value = t.Value ?? "" }).ToList(),
        };
        if (profile is not null)
        {
            InstanceProfileAssociation.Set(instance, profile, now);
        }

        db.Instances.Add(instance);
        if (reclaim is not null)
        {
            await InterruptAsync(reclaim, host, now, cancellationToken);
        }

        var peers = await db.Hosts
            .Where(h => h.Id != host.Id && db.Instances.Any(i => i.HostId == h.Id && i.VpcId == nic.VpcId && i.State != InstanceStates.Terminated))
            .ToListAsync(cancellationToken);
        foreach (var peer in peers)
        {
            peer.DesiredVersion++;
        }

        await db.SaveChangesAsync(cancellationToken);
        return (instance, [host.Id, .. peers.Select(p => p.Id)]);
    }

    /// <summary>The spot instances of the zone that may be taken back: launched or running, not interrupted already.</summary>
    private async Task<List<SpotHolding>> SpotHoldingsAsync(string zone, CancellationToken cancellationToken)
    {
        var spots = await db.Instances.AsNoTracking()
            .Where(i => i.AvailabilityZone == zone && i.InstanceLifecycle == SpotMarket.Spot && i.SpotActionTime == null
                && (i.State == InstanceStates.Pending || i.State == InstanceStates.Running))
            .Select(i => new { i.Id, i.HostId, i.InstanceType })
            .ToListAsync(cancellationToken);
        return [.. spots.Select(s => (s, Type: InstanceTypeCatalog.Find(s.InstanceType)))
            .Where(s => s.Type is not null)
            .Select(s => new SpotHolding(s.s.Id, s.s.HostId, s.Type!.VirtualCpus, s.Type.MemoryMiB))];
    }

    /// <summary>
    /// Gives each spot instance of the plan its two-minute notice, in the launch's commit: the time it is stopped or terminated
    /// (its metadata's spot/instance-action, from the server's new desired state) and EC2's interruption warning through the
    /// outbox. <see cref="SpotInterruptionJob"/> carries the interruptions out when they are due.
    /// </summary>
    private async Task InterruptAsync(SpotReclaimPlan plan, HostRecord host, DateTime now, CancellationToken cancellationToken)
    {
        var actionTime = RoundUpToSecond(now + compute.Value.SpotInterruptionNotice);
        var spots = await db.Instances.Where(i => plan.InstanceIds.Contains(i.Id)).ToListAsync(cancellationToken);
        foreach (var spot in spots)
        {
            spot.SpotActionTime = actionTime;
            spot.ChangedAtVersion = host.DesiredVersion;
            db.AddNotification(new SpotInstanceInterruptionWarning(spot.AccountId, spot.Id, spot.InstanceType, spot.AvailabilityZone,
                spot.SpotInterruptionBehavior ?? SpotMarket.Terminate, actionTime));
        }
    }

    private static DateTime RoundUpToSecond(DateTime time) =>
        new(time.Ticks + ((TimeSpan.TicksPerSecond - (time.Ticks % TimeSpan.TicksPerSecond)) % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private async Task<RunInstanceResponse?> FirstLaunchAsync(string accountId, string? clientToken, string parametersHash, CancellationToken cancellationToken)
    {
        if (clientToken is null)
        {
            return null;
        }

        var earlier = await db.Instances.AsNoTracking().Include(i => i.Tags)
            .SingleOrDefaultAsync(i => i.AccountId == accountId && i.ClientToken == clientToken, cancellationToken);
        if (earlier is null)
        {
            return null;
        }

        if (earlier.ParametersHash != parametersHash)
        {
            throw ApiErrors.IdempotentParameterMismatch(
                $"The client token '{clientToken}' was already used by a request with different parameters.");
        }

        var host = await db.Hosts.AsNoTracking().SingleAsync(h => h.Id == earlier.HostId, cancellationToken);
        return new RunInstanceResponse(earlier.Id, earlier.State, InstanceResponse.From(earlier, liveness.IsReachable(host)));
    }
}
