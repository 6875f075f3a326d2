namespace Platform.Modules.Network;

/// <summary>The Network module's settings (section <c>Network</c>).</summary>
internal sealed class NetworkOptions
{
    public const string SectionName = "Network";

    /// <summary>
    /// How old an instance's interface must be before housekeeping may release it for want of its instance: longer
    /// than any launch takes between making the interface and recording the instance.
    /// </summary>
    public TimeSpan OrphanInterfaceGracePeriod { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>When the housekeeping job runs (interfaces whose instance Compute never recorded, or forgot, are released).</summary>
    public string HousekeepingCron { get; set; } = "*/10 * * * *";

    /// <summary>The operator's provider network that elastic IPs come from (<c>Network:PublicAddresses</c>).</summary>
    public PublicAddressOptions PublicAddresses { get; set; } = new();
}

/// <summary>
/// The public address pool: <see cref="Cidr"/> is the provider network the servers' uplinks sit on, <see cref="Gateway"/> its
/// router. Elastic IPs are handed out from <see cref="FirstAddress"/> to <see cref="LastAddress"/> (by default every host
/// address of the network but the gateway). Without <see cref="Cidr"/> there is no pool: AllocateAddress is refused.
/// </summary>
internal sealed class PublicAddressOptions
{
    public string? Cidr { get; set; }

    public string? Gateway { get; set; }

    public string? FirstAddress { get; set; }

    public string? LastAddress { get; set; }

    /// <summary>Elastic IPs per account, as AWS's default of 5 per region.</summary>
    [System.ComponentModel.DataAnnotations.Range(0, 100_000)]
    public int PerAccountLimit { get; set; } = 5;
}
