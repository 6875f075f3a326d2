using System.Globalization;
using System.Text.Json;
using System.Xml;
using System.Xml.Linq;
using Platform.Modules.Storage.S3;

namespace Platform.Modules.Storage.Lifecycle;

/// <summary>
/// A bucket's lifecycle rules as S3 takes them (PutBucketLifecycleConfiguration's XML), checked as S3 checks them, kept as
/// JSON on the bucket and written back as the same XML. Transitions need other storage classes, which this platform has
/// not: a rule with one is NotImplemented rather than kept and never applied.
/// </summary>
internal sealed record LifecycleConfiguration(IReadOnlyList<LifecycleRule> Rules)
{
    private const int MaxRules = 1000;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static LifecycleConfiguration? FromJson(string? json) => json is null ? null : JsonSerializer.Deserialize<LifecycleConfiguration>(json, Json);

    public static LifecycleConfiguration Parse(XElement root)
    {
        if (root.Name.LocalName != "LifecycleConfiguration")
        {
            throw S3Errors.MalformedXml();
        }

        var rules = root.Children("Rule").Select(ParseRule).ToList();
        if (rules.Count is 0 or > MaxRules)
        {
            throw S3Errors.MalformedXml();
        }

        var duplicate = rules.Where(r => r.Id is not null).GroupBy(r => r.Id, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw S3Errors.InvalidArgument("Rule ID must be unique. Found same ID for more than one rule");
        }

        return new LifecycleConfiguration(rules);
    }

    private static LifecycleRule ParseRule(XElement rule)
    {
        var id = rule.Child("ID");
        if (id is { Length: > 255 })
        {
            throw S3Errors.InvalidArgument("ID length should not exceed allowed limit of 255");
        }

        var enabled = Single(rule, "Status") switch
        {
            "Enabled" => true,
            "Disabled" => false,
            _ => throw S3Errors.MalformedXml(),
        };

        if (rule.Children("Transition").Any() || rule.Children("NoncurrentVersionTransition").Any())
        {
            // One storage class only: a transition could never happen.
            throw S3Errors.NotImplemented();
        }

        var legacyPrefix = rule.Children("Prefix").ToList();
        var filters = rule.Children("Filter").ToList();
        var filter = (legacyPrefix.Count, filters.Count) switch
        {
            (1, 0) => new LifecycleFilter(LifecycleFilter.Legacy, legacyPrefix[0].Value, [], null, null),
            (0, 1) => ParseFilter(filters[0]),
            _ => throw S3Errors.MalformedXml(),
        };

        int? expirationDays = null;
        DateTime? expirationDate = null;
        bool? expiredDeleteMarker = null;
        if (Optional(rule, "Expiration") is { } expiration)
        {
            var days = Optional(expiration, "Days");
            var date = Optional(expiration, "Date");
            var marker = Optional(expiration, "ExpiredObjectDeleteMarker");
            if ((days is null ? 0 : 1) + (date is null ? 0 : 1) + (marker is null ? 0 : 1) != 1)
            {
                throw marker is not null
                    ? S3Errors.InvalidArgument("ExpiredObjectDeleteMarker cannot be specified with Days or Date in a Lifecycle Expiration Policy")
                    : S3Errors.MalformedXml();
            }

            if (days is not null)
            {
                expirationDays = PositiveDays(days.Value, "'Days' for Expiration action must be a positive integer");
            }
            else if (date is not null)
            {
                expirationDate = MidnightDate(date.Value);
            }
            else
            {
                expiredDeleteMarker = marker!.Value switch
                {
                    "true" => true,
                    "false" => false,
                    _ => throw S3Errors.MalformedXml(),
                };
            }
        }

        int? noncurrentDays = null;
        int? newerNoncurrent = null;
        if (Optional(rule, "NoncurrentVersionExpiration") is { } noncurrent)
        {
            if (Optional(noncurrent, "NoncurrentDays") is not { } days)
            {
                throw S3Errors.MalformedXml();
            }

            noncurrentDays = PositiveDays(days.Value, "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer");
            if (Optional(noncurrent, "NewerNoncurrentVersions") is { } newer)
            {
                newerNoncurrent = int.TryParse(newer.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= 100
                    ? n
                    : throw S3Errors.InvalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer up to 100");
            }
        }

        int? abortDays = null;
        if (Optional(rule, "AbortIncompleteMultipartUpload") is { } abort)
        {
            abortDays = Optional(abort, "DaysAfterInitiation") is { } days
                ? PositiveDays(days.Value, "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
                : throw S3Errors.MalformedXml();
        }

        if (expirationDays is null && expirationDate is null && expiredDeleteMarker is null && noncurrentDays is null && abortDays is null)
        {
            throw S3Errors.InvalidRequest("At least one action needs to be specified in a rule");
        }

        if (filter.Tags.Count > 0 && expiredDeleteMarker is not null)
        {
            throw S3Errors.InvalidRequest("ExpiredObjectDeleteMarker cannot be specified with object tags");
        }

        if (filter.Tags.Count > 0 && abortDays is not null)
        {
            throw S3Errors.InvalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.");
        }

        return new LifecycleRule(id, enabled, filter, expirationDays, expirationDate, expiredDeleteMarker, noncurrentDays, newerNoncurrent, abortDays);
    }

    private static LifecycleFilter ParseFilter(XElement filter)
    {
        var conditions = filter.Elements().ToList();
        if (conditions.Count == 0)
        {
            return new LifecycleFilter(LifecycleFilter.All, null, [], null, null);
        }

        if (conditions.Count > 1)
        {
            throw S3Errors.MalformedXml();
        }

        var only = conditions[0];
        return only.Name.LocalName switch
        {
            "And" => ParseAnd(only),
            "Prefix" => new LifecycleFilter(LifecycleFilter.PrefixOnly, only.Value, [], null, null),
            "Tag" => new LifecycleFilter(LifecycleFilter.Tag, null, [ParseTag(only)], null, null),
            "ObjectSizeGreaterThan" => new LifecycleFilter(LifecycleFilter.GreaterThan, null, [], Size(only.Value), null),
            "ObjectSizeLessThan" => new LifecycleFilter(LifecycleFilter.LessThan, null, [], null, Size(only.Value)),
            _ => throw S3Errors.MalformedXml(),
        };
    }

    private static LifecycleFilter ParseAnd(XElement and)
    {
        if (and.Elements().Any(e => e.Name.LocalName is not ("Prefix" or "Tag" or "ObjectSizeGreaterThan" or "ObjectSizeLessThan")))
        {
            throw S3Errors.MalformedXml();
        }

        var tags = and.Children("Tag").Select(ParseTag).ToList();
        if (tags.GroupBy(t => t.Key, StringComparer.Ordinal).Any(g => g.Count() > 1))
        {
            throw S3Errors.InvalidRequest("Duplicate Tag Keys are not allowed.");
        }

        var greater = Optional(and, "ObjectSizeGreaterThan") is { } g ? Size(g.Value) : (long?)null;
        var less = Optional(and, "ObjectSizeLessThan") is { } l ? Size(l.Value) : (long?)null;
        if (greater is not null && less is not null && greater >= less)
        {
            throw S3Errors.InvalidArgument("ObjectSizeGreaterThan must be less than ObjectSizeLessThan in the same rule");
        }

        return new LifecycleFilter(LifecycleFilter.And, Optional(and, "Prefix")?.Value, tags, greater, less);
    }

    private static LifecycleTag ParseTag(XElement tag)
    {
        var key = Single(tag, "Key");
        var value = Single(tag, "Value");
        Tagging.TagSet.Check(key, value);
        return new LifecycleTag(key, value);
    }

    private static long Size(string text) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var size) ? size : throw S3Errors.MalformedXml();

    private static int PositiveDays(string text, string message) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days > 0 ? days : throw S3Errors.InvalidArgument(message);

    /// <summary>S3 takes a date at midnight UTC only (ISO 8601, with or without the time).</summary>
    private static DateTime MidnightDate(string text)
    {
        if (!DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
        {
            throw S3Errors.MalformedXml();
        }

        return date.TimeOfDay == TimeSpan.Zero
            ? DateTime.SpecifyKind(date, DateTimeKind.Utc)
            : throw S3Errors.InvalidArgument("'Date' must be at midnight GMT");
    }

    private static string Single(XElement parent, string name) => parent.Children(name).ToList() switch
    {
        [var only] => only.Value,
        _ => throw S3Errors.MalformedXml(),
    };

    private static XElement? Optional(XElement parent, string name) => parent.Children(name).ToList() switch
    {
        [] => null,
        [var only] => only,
        _ => throw S3Errors.MalformedXml(),
    };

    /// <summary>GetBucketLifecycleConfiguration's body: the rules as they were put.</summary>
    public void Write(XmlWriter w)
    {
        w.WriteStartElement("LifecycleConfiguration", S3Xml.Namespace);
        foreach (var rule in Rules)
        {
            w.WriteStartElement("Rule");
            w.Element("ID", rule.Id);
            rule.Filter.Write(w);
            w.WriteElementString("Status", rule.Enabled ? "Enabled" : "Disabled");
            if (rule.ExpirationDays is not null || rule.ExpirationDate is not null || rule.ExpiredObjectDeleteMarker is not null)
            {
                w.WriteStartElement("Expiration");
                w.Element("Days", rule.ExpirationDays?.ToString(CultureInfo.InvariantCulture));
                w.Element("Date", rule.ExpirationDate?.ToString("yyyy-MM-dd'T'00:00:00.000'Z'", CultureInfo.InvariantCulture));
                w.Element("ExpiredObjectDeleteMarker", rule.ExpiredObjectDeleteMarker switch { true => "true", false => "false", null => null });
                w.WriteEndElement();
            }

            if (rule.NoncurrentDays is { } noncurrentDays)
            {
                w.WriteStartElement("NoncurrentVersionExpiration");
                w.WriteElementString("NoncurrentDays", noncurrentDays.ToString(CultureInfo.InvariantCulture));
                w.Element("NewerNoncurrentVersions", rule.NewerNoncurrentVersions?.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }

            if (rule.AbortDaysAfterInitiation is { } abortDays)
            {
                w.WriteStartElement("AbortIncompleteMultipartUpload");
                w.WriteElementString("DaysAfterInitiation", abortDays.ToString(CultureInfo.InvariantCulture));
                w.WriteEndElement();
            }

            w.WriteEndElement();
        }

        w.WriteEndElement();
    }
}

/// <summary>
/// One rule. Expiration is by <see cref="ExpirationDays"/> after the version was written, on <see cref="ExpirationDate"/>, or
/// of a delete marker left alone (<see cref="ExpiredObjectDeleteMarker"/>, null when the rule names no such element).
/// </summary>
internal sealed record LifecycleRule(string? Id, bool Enabled, LifecycleFilter Filter, int? ExpirationDays, DateTime? ExpirationDate,
    bool? ExpiredObjectDeleteMarker, int? NoncurrentDays, int? NewerNoncurrentVersions, int? AbortDaysAfterInitiation)
{
    /// <summary>
    /// When something written at <paramref name="since"/> is <paramref name="days"/> days old as S3 counts them: the time
    /// plus the days, rounded up to the next midnight UTC.
    /// </summary>
    public static DateTime Due(DateTime since, int days)
    {
        var due = DateTime.SpecifyKind(since, DateTimeKind.Utc).AddDays(days);
        return due.TimeOfDay == TimeSpan.Zero ? due : due.Date.AddDays(1);
    }
}

/// <summary>Which objects a rule covers; <see cref="Shape"/> is how it was written, so that it is answered the same way.</summary>
internal sealed record LifecycleFilter(string Shape, string? Prefix, IReadOnlyList<LifecycleTag> Tags, long? SizeGreaterThan, long? SizeLessThan)
{
    public const string Legacy = "Legacy";
    public const string All = "All";
    public const string PrefixOnly = "Prefix";
    public const string Tag = "Tag";
    public const string GreaterThan = "GreaterThan";
    public const string LessThan = "LessThan";
    public const string And = "And";

    /// <summary>Whether the rule covers a version of <paramref name="key"/> of <paramref name="size"/> bytes with <paramref name="tags"/>.</summary>
    public bool Matches(string key, long size, IReadOnlyDictionary<string, string> tags) =>
        (Prefix is null || key.StartsWith(Prefix, StringComparison.Ordinal))
        && (SizeGreaterThan is null || size > SizeGreaterThan)
        && (SizeLessThan is null || size < SizeLessThan)
        && Tags.All(t => tags.TryGetValue(t.Key, out var value) && value == t.Value);

    public void Write(XmlWriter w)
    {
        if (Shape == Legacy)
        {
            w.WriteElementString("Prefix", Prefix ?? "");
            return;
        }

        w.WriteStartElement("Filter");
        if (Shape == And)
        {
            w.WriteStartElement("And");
        }

        w.Element("Prefix", Prefix);
        foreach (var tag in Tags)
        {
            w.WriteStartElement("Tag");
            w.WriteElementString("Key", tag.Key);
            w.WriteElementString("Value", tag.Value);
            w.WriteEndElement();
        }

        w.Element("ObjectSizeGreaterThan", SizeGreaterThan?.ToString(CultureInfo.InvariantCulture));
        w.Element("ObjectSizeLessThan", SizeLessThan?.ToString(CultureInfo.InvariantCulture));
        if (Shape == And)
        {
            w.WriteEndElement();
        }

        w.WriteEndElement();
    }
}

internal sealed record LifecycleTag(string Key, string Value);
