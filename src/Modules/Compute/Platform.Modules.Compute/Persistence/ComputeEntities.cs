namespace Platform.Modules.Compute.Persistence;

/// <summary>A server running the HostAgent. Its desired-state version rises with every change of what it should run.</summary>
internal sealed class HostRecord
{
    public required string Id { get; init; }

    public required string Name { get; set; }

    public required string AvailabilityZone { get; init; }

    /// <summary>SHA-256 (hex) of the host secret; the secret itself is only on the server.</summary>
    public required string CredentialHash { get; init; }

    public int Cpus { get; set; }

    public long MemoryMiB { get; set; }

    public long DiskBytes { get; set; }

    public long DiskFreeBytes { get; set; }

    public int RunningDomains { get; set; }

    /// <summary>Optimistic concurrency token too: placements on one host serialize on it.</summary>
    public long DesiredVersion { get; set; }

    public long AppliedVersion { get; set; }

    /// <summary>Where other servers' VPC tunnels reach this one (the agent reports it).</summary>
    public string? TunnelAddress { get; set; }

    public DateTime EnrolledAt { get; init; }

    public DateTime LastHeartbeatAt { get; set; }

    /// <summary>Operators take a host out of scheduling without touching what runs on it.</summary>
    public bool Disabled { get; set; }

    /// <summary>Why the agent could not apply its desired state in its last round (from its heartbeat); null when healthy.</summary>
    public string? DegradedReason { get; set; }
}

/// <summary>A one-time token an operator hands to a new server; only its hash is kept.</summary>
internal sealed class JoinToken
{
    public required string Id { get; init; }

    public required string TokenHash { get; init; }

    public required string AvailabilityZone { get; init; }

    public DateTime CreatedAt { get; init; }

    public DateTime ExpiresAt { get; init; }

    public DateTime? UsedAt { get; set; }

    public string? HostId { get; set; }
}

internal sealed class MachineImage
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public string? Description { get; init; }

    /// <summary><c>kernel</c> (kernel + initrd) or <c>qcow2</c>.</summary>
    public required string Format { get; init; }

    /// <summary>Kernel parameters of kernel images; the instance's own are appended.</summary>
    public string CommandLine { get; init; } = "";

    /// <summary><c>pending</c> until every part is uploaded, then <c>available</c>.</summary>
    public required string State { get; set; }

    /// <summary>Launchable by every account (images the operator publishes).</summary>
    public bool IsPublic { get; init; }

    /// <summary>Uploaded parts with their sizes and digests, as JSON (<c>{"kernel":{"size":…,"sha256":…}}</c>).</summary>
    public string Parts { get; set; } = "{}";

    public DateTime CreatedAt { get; init; }
}

internal sealed class KeyPair
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    public required string Name { get; init; }

    public required string KeyType { get; init; }

    public required string PublicKey { get; init; }

    public required string Fingerprint { get; init; }

    public DateTime CreatedAt { get; init; }
}

internal sealed class Instance
{
    public required string Id { get; init; }

    public required string AccountId { get; init; }

    /// <summary>Changed only while the instance is stopped (EC2's ModifyInstanceAttribute instanceType).</summary>
    public required string InstanceType { get; set; }

    public required string ImageId { get; init; }

    /// <summary>The image's format and kernel parameters as they were at launch: the image may be deregistered later.</summary>
    public required string ImageFormat { get; init; }

    public string ImageCommandLine { get; init; } = "";

    public string? KeyName { get; init; }

    /// <summary>The public key as it was at launch: deleting the key pair later does not change the instance.</summary>
    public string? PublicKey { get; init; }

    public required string State { get; set; }

    public string? StateReason { get; set; }

    public required string HostId { get; init; }

    public required string AvailabilityZone { get; init; }

    public string? PrivateIpAddress { get; set; }

    public string? NetworkInterfaceId { get; set; }

    /// <summary>EC2's user data, base64 as given: the image runs it at boot.</summary>
    public string? UserData { get; set; }

    public string? MacAddress { get; set; }

    public string? SubnetId { get; set; }

    public string? VpcId { get; set; }

    /// <summary>The security group ids of the primary interface, JSON array.</summary>
    public string SecurityGroups { get; set; } = "[]";

    public string? ClientToken { get; init; }

    /// <summary>SHA-256 of the launch parameters, to tell a retry from a different request with the same token.</summary>
    public string? ParametersHash { get; init; }

    /// <summary><c>running</c>, <c>stopped</c> or <c>absent</c>: what the host is asked to make of it.</summary>
    public required string DesiredPower { get; set; }

    /// <summary>Raised by every start request; a guest that powered itself off stays off until it rises.</summary>
    public int StartCount { get; set; }

    public int RebootCount { get; set; }

    /// <summary>EC2's disableApiTermination: TerminateInstances refuses the instance (OperationNotPermitted) while true.</summary>
    public bool DisableApiTermination { get; set; }

    /// <summary>EC2's disableApiStop: StopInstances refuses the instance (OperationNotPermitted) while true.</summary>
    public bool DisableApiStop { get; set; }

    /// <summary>EC2's instanceInitiatedShutdownBehavior: what a guest powering itself off leads to, <c>stop</c> or <c>terminate</c>.</summary>
    public string InstanceInitiatedShutdownBehavior { get; set; } = ShutdownBehaviors.Stop;

    /// <summary>EC2's MetadataOptions.HttpTokens: <c>optional</c> (IMDSv1 too) or <c>required</c> (IMDSv2 tokens only).</summary>
    public string HttpTokens { get; set; } = InstanceMetadataDefaults.HttpTokens;

    /// <summary>EC2's MetadataOptions.HttpPutResponseHopLimit: the IP TTL of the token's answer, 1 to 64.</summary>
    public int HttpPutResponseHopLimit { get; set; } = InstanceMetadataDefaults.HopLimit;

    /// <summary>EC2's MetadataOptions.HttpEndpoint: <c>enabled</c> or <c>disabled</c> (the metadata service does not answer).</summary>
    public string HttpEndpoint { get; set; } = InstanceMetadataDefaults.HttpEndpoint;

    /// <summary>The IAM instance profile associated with the instance (EC2's IamInstanceProfile Arn), null for none.</summary>
    public string? IamInstanceProfileArn { get; set; }

    /// <summary>The profile's id (AIPA...), as IAM answered it when it was associated.</summary>
    public string? IamInstanceProfileId { get; set; }

    /// <summary>EC2's IamInstanceProfileAssociation id (iip-assoc-...): a new one for every association or replacement.</summary>
    public string? IamInstanceProfileAssociationId { get; set; }

    public DateTime? IamInstanceProfileAssociatedAt { get; set; }

    /// <summary>The host's desired-state version that carried this instance's latest change.</summary>
    public long ChangedAtVersion { get; set; }

    public DateTime CreatedAt { get; init; }

    public DateTime? LaunchedAt { get; set; }

    public DateTime? TerminatedAt { get; set; }

    /// <summary>When it last left <c>running</c> (the <see cref="Contracts.InstanceStateChanged"/> fact's moment); null before its first run ended.</summary>
    public DateTime? RunningEndedAt { get; set; }

    public List<InstanceTag> Tags { get; init; } = [];

    /// <summary>The tail of the serial console, as the host last sent it (EC2's GetConsoleOutput).</summary>
    public string? ConsoleOutput { get; set; }

    public DateTime? ConsoleUpdatedAt { get; set; }

    /// <summary>
    /// The module that launched this instance for a resource of its own (<c>rds</c>), null for a tenant's instance. A
    /// managed instance is the platform's: no EC2 call of the tenant sees or changes it.
    /// </summary>
    public string? ManagedBy { get; init; }

    /// <summary>The managing module's resource the instance serves (a DB instance's DbiResourceId); one instance each.</summary>
    public string? ManagedResourceId { get; init; }

    /// <summary>The platform volume Storage made for a managed instance's data, once made.</summary>
    public string? DataVolumeId { get; set; }

    /// <summary>SHA-256 of the managed guest's last report passed on to its module, so an unchanged report is not passed on again.</summary>
    public string? ManagedReportHash { get; set; }

    /// <summary>EC2's InstanceLifecycle: <c>spot</c> for a spot instance, null for on-demand.</summary>
    public string? InstanceLifecycle { get; init; }

    /// <summary>The spot instance request (sir-...) that launched a spot instance.</summary>
    public string? SpotInstanceRequestId { get; init; }

    /// <summary>The most the tenant pays per hour for a spot instance (SpotOptions.MaxPrice; the on-demand price when not given).</summary>
    public decimal? SpotMaxPrice { get; init; }

    /// <summary>What an interruption does to a spot instance: <c>terminate</c> or <c>stop</c>.</summary>
    public string? SpotInterruptionBehavior { get; init; }

    /// <summary>
    /// When an interrupted spot instance is stopped or terminated (its two-minute notice's time); null while not interrupted.
    /// Set in the commit that gives the notice, so a restarted API finds the interruption where it was.
    /// </summary>
    public DateTime? SpotActionTime { get; set; }

    /// <summary>
    /// An on-demand launch waiting for the spot capacity it took back: placed (its capacity counts on its server) but kept out
    /// of the server's desired state until the interrupted spot instances there have stopped or terminated.
    /// </summary>
    public bool AwaitingCapacity { get; set; }
}

/// <summary>EC2's spot vocabulary.</summary>
internal static class SpotMarket
{
    public const string Spot = "spot";
    public const string OneTime = "one-time";
    public const string Terminate = "terminate";
    public const string Stop = "stop";
}

internal sealed class InstanceTag
{
    public required string InstanceId { get; init; }

    public required string Key { get; init; }

    public required string Value { get; set; }
}

/// <summary>EC2's instance states.</summary>
internal static class InstanceStates
{
    public const string Pending = "pending";
    public const string Running = "running";
    public const string Stopping = "stopping";
    public const string Stopped = "stopped";
    public const string ShuttingDown = "shutting-down";
    public const string Terminated = "terminated";

    public static readonly string[] All = [Pending, Running, Stopping, Stopped, ShuttingDown, Terminated];

    /// <summary>EC2's numeric state codes.</summary>
    public static int Code(string state) => state switch
    {
        Pending => 0,
        Running => 16,
        ShuttingDown => 32,
        Terminated => 48,
        Stopping => 64,
        Stopped => 80,
        _ => -1,
    };
}

internal static class DesiredPowers
{
    public const string Running = "running";
    public const string Stopped = "stopped";
    public const string Absent = "absent";
}

/// <summary>EC2's defaults for an instance's MetadataOptions.</summary>
internal static class InstanceMetadataDefaults
{
    public const string HttpTokens = "optional";

    public const int HopLimit = 1;

    public const string HttpEndpoint = "enabled";
}

/// <summary>EC2's instanceInitiatedShutdownBehavior values.</summary>
internal static class ShutdownBehaviors
{
    public const string Stop = "stop";

    public const string Terminate = "terminate";
}
