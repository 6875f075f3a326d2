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
}
