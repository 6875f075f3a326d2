namespace Platform.Modules.Storage;

/// <summary>Where object bytes live and where the S3 REST API listens.</summary>
internal sealed class StorageOptions
{
    public const string SectionName = "Storage";

    /// <summary>Directory of the blob store; <c>{Platform:DataDirectory}/objects</c> when empty. May be a shared CephFS mount.</summary>
    public string? DataDirectory { get; set; }

    public S3Options S3 { get; set; } = new();

    /// <summary>How old an unreferenced blob or unfinished write must be before the sweep removes it.</summary>
    public TimeSpan OrphanGracePeriod { get; set; } = TimeSpan.FromHours(1);

    /// <summary>On SQLite, commit the object versions that arrive together in one transaction (one fsync for many PUTs).</summary>
    public bool GroupCommit { get; set; } = true;

    /// <summary>When the orphan sweep runs (cron); hourly by default.</summary>
    public string OrphanSweepCron { get; set; } = "0 * * * *";

    /// <summary>When buckets' lifecycle rules are applied (cron); hourly by default, rules count whole days.</summary>
    public string LifecycleCron { get; set; } = "20 * * * *";

    /// <summary>GiB of EBS volumes an account may have together (EBS's per-region storage limit; 50 TiB as EBS's default for gp3).</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int VolumeStorageQuotaGiB { get; set; } = 51200;
}

/// <summary>The S3 REST API's own listener, so its root-level paths never meet the native API's.</summary>
internal sealed class S3Options
{
    /// <summary>Where the S3 API listens (MinIO's default port); empty turns the S3 API off.</summary>
    public string Url { get; set; } = "https://127.0.0.1:9000";

    /// <summary>When set, <c>{bucket}.{BaseDomain}</c> hosts address buckets (virtual-hosted style) on any listener.</summary>
    public string? BaseDomain { get; set; }

    public int Port => Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.Port : -1;
}
