using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Storage.Persistence;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Locking;

/// <summary>Object lock's two retention modes: governance (lifted with the bypass permission and header), compliance (by no one).</summary>
internal static class LockModes
{
    public const string Governance = "GOVERNANCE";
    public const string Compliance = "COMPLIANCE";

    public static bool IsValid(string? mode) => mode is Governance or Compliance;
}

/// <summary>A bucket's default retention: every new version gets <see cref="Mode"/> until its creation plus the period.</summary>
internal sealed record DefaultRetention(string Mode, int? Days, int? Years)
{
    /// <summary>S3's limits: 100 years, 36,500 days.</summary>
    public const int MaxYears = 100;
    public const int MaxDays = 36_500;

    public DateTime Until(DateTime from) => Days is { } days ? from.AddDays(days) : from.AddYears(Years!.Value);

    public string ToJson() => JsonSerializer.Serialize(this);

    public static DefaultRetention? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<DefaultRetention>(json);
}

/// <summary>A version's lock as stored: the retention (mode and date, or neither) and the legal hold (null when never set).</summary>
internal sealed record ObjectLockState(string? Mode, DateTime? RetainUntil, bool? LegalHold)
{
    public static ObjectLockState Of(StoredObject version) => new(version.LockMode, version.LockRetainUntil, version.LegalHold);

    public void ApplyTo(StoredObject version)
    {
        version.LockMode = Mode;
        version.LockRetainUntil = RetainUntil;
        version.LegalHold = LegalHold;
    }

    public bool HasActiveRetention(DateTime now) => Mode is not null && RetainUntil > now;

    /// <summary>
    /// Whether the version may be deleted for good now: never under a legal hold or an unexpired compliance retention; under an
    /// unexpired governance retention only with <paramref name="bypassGovernance"/> (the header and s3:BypassGovernanceRetention).
    /// </summary>
    public void EnsureDeletable(DateTime now, bool bypassGovernance)
    {
        if (LegalHold == true || (HasActiveRetention(now) && !(Mode == LockModes.Governance && bypassGovernance)))
        {
            throw S3Errors.ObjectLocked();
        }
    }
}

/// <summary>The x-amz-object-lock-* headers of a write (PutObject), checked as S3 checks them; null when none is sent.</summary>
internal sealed record ObjectLockRequest(string? Mode, DateTime? RetainUntil, bool? LegalHold)
{
    public static ObjectLockRequest? FromHeaders(string? mode, string? retainUntil, string? legalHold)
    {
        if (mode is null && retainUntil is null && legalHold is null)
        {
            return null;
        }

        if ((mode is null) != (retainUntil is null))
        {
            throw S3Errors.InvalidArgument("x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied");
        }

        if (mode is not null && !LockModes.IsValid(mode))
        {
            throw S3Errors.InvalidArgument("Unknown wormMode directive.");
        }

        DateTime? until = null;
        if (retainUntil is not null)
        {
            until = ParseDate(retainUntil) ?? throw S3Errors.InvalidArgument("The retain until date must be provided in ISO 8601 format");
        }

        return new ObjectLockRequest(mode, until, legalHold is null ? null : ParseLegalHold(legalHold));
    }

    public static bool ParseLegalHold(string? status) => status switch
    {
        "ON" => true,
        "OFF" => false,
        _ => throw S3Errors.InvalidArgument("Legal Hold must be either of 'ON' or 'OFF'"),
    };

    /// <summary>ISO 8601 with a zone (S3 answers in UTC with milliseconds); null when it is not one.</summary>
    public static DateTime? ParseDate(string text) =>
        DateTime.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            && text.Contains('T', StringComparison.Ordinal)
            ? parsed
            : null;

    /// <summary>Whether the version gets a retention or legal hold: S3 then wants the body's integrity checked (Content-MD5 or a checksum).</summary>
    public static bool Locks(ObjectLockState state) => state.Mode is not null || state.LegalHold is not null;

    /// <summary>
    /// The lock a new version of <paramref name="bucket"/> gets: the request's retention, or the bucket's default retention; the
    /// request's legal hold. InvalidRequest when the request asks for a lock on a bucket without object lock.
    /// </summary>
    public static ObjectLockState ForNewVersion(Bucket bucket, ObjectLockRequest? requested, DateTime now)
    {
        if (!bucket.ObjectLockEnabled)
        {
            return requested is null ? new ObjectLockState(null, null, null) : throw S3Errors.ObjectLockNotEnabled();
        }

        if (requested?.Mode is { } mode)
        {
            if (requested.RetainUntil <= now)
            {
                throw S3Errors.InvalidArgument("The retain until date must be in the future!");
            }

            return new ObjectLockState(mode, requested.RetainUntil, requested.LegalHold);
        }

        var byDefault = DefaultRetention.FromJson(bucket.ObjectLock);
        return new ObjectLockState(byDefault?.Mode, byDefault?.Until(now), requested?.LegalHold);
    }
}

/// <summary>PutObjectLockConfiguration's body and GetObjectLockConfiguration's answer.</summary>
internal sealed record ObjectLockConfiguration(DefaultRetention? Rule)
{
    public static ObjectLockConfiguration Parse(XElement root)
    {
        if (root.Name.LocalName != "ObjectLockConfiguration" || root.Elements().Any(e => e.Name.LocalName is not ("ObjectLockEnabled" or "Rule"))
            || root.Children("Rule").Count() > 1)
        {
            throw S3Errors.MalformedXml();
        }

        if (root.Child("ObjectLockEnabled")?.Trim() != "Enabled")
        {
            throw S3Errors.MalformedXml();
        }

        if (root.Children("Rule").SingleOrDefault() is not { } rule)
        {
            return new ObjectLockConfiguration((DefaultRetention?)null);
        }

        var retention = rule.Children("DefaultRetention").SingleOrDefault();
        if (retention is null || rule.Elements().Count() != 1
            || retention.Elements().Any(e => e.Name.LocalName is not ("Mode" or "Days" or "Years")))
        {
            throw S3Errors.MalformedXml();
        }

        var mode = retention.Child("Mode")?.Trim();
        if (!LockModes.IsValid(mode))
        {
            throw S3Errors.MalformedXml();
        }

        var days = Period(retention.Child("Days"));
        var years = Period(retention.Child("Years"));
        if ((days is null) == (years is null))
        {
            throw S3Errors.MalformedXml();
        }

        if (days > DefaultRetention.MaxDays || years > DefaultRetention.MaxYears)
        {
            throw S3Errors.InvalidArgument("Default retention period is too large.");
        }

        return new ObjectLockConfiguration(new DefaultRetention(mode!, days, years));
    }

    private static int? Period(string? text)
    {
        if (text is null)
        {
            return null;
        }

        if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            throw S3Errors.MalformedXml();
        }

        return value > 0 ? value : throw S3Errors.InvalidArgument("Default retention period must be a positive integer value.");
    }

    public void Write(XmlWriter w)
    {
        w.WriteStartElement("ObjectLockConfiguration", S3Xml.Namespace);
        w.WriteElementString("ObjectLockEnabled", "Enabled");
        if (Rule is { } rule)
        {
            w.WriteStartElement("Rule");
            w.WriteStartElement("DefaultRetention");
            w.WriteElementString("Mode", rule.Mode);
            if (rule.Days is { } days)
            {
                w.WriteElementString("Days", days.ToString(CultureInfo.InvariantCulture));
            }
            else
            {
                w.WriteElementString("Years", rule.Years!.Value.ToString(CultureInfo.InvariantCulture));
            }

            w.WriteEndElement();
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }
}
