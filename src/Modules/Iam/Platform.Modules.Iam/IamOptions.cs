using System.ComponentModel.DataAnnotations;

namespace Platform.Modules.Iam;

/// <summary>The IAM module's settings (section <c>Iam</c>).</summary>
internal sealed class IamOptions
{
    public const string SectionName = "Iam";

    /// <summary>When the expired-session cleanup job runs.</summary>
    [Required]
    public string SessionCleanupCron { get; set; } = "17 * * * *";

    /// <summary>
    /// How long an expired session's row is kept after its expiry before the cleanup job deletes it. Meanwhile its key is
    /// refused with ExpiredToken, as AWS refuses an expired token; after it, as an unknown key (InvalidAccessKeyId).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "365.00:00:00")]
    public TimeSpan ExpiredSessionRetention { get; set; } = TimeSpan.FromDays(1);
}
