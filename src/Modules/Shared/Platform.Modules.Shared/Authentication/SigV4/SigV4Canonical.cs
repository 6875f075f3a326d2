using System.Text;

namespace Platform.Modules.Shared.Authentication.SigV4;

/// <summary>The pieces of the canonical request, exactly as AWS defines them.</summary>
public static class SigV4Canonical
{
    /// <summary>RFC 3986 encoding with AWS's unreserved set (A-Z a-z 0-9 - _ . ~), upper-case hex; '/' kept when asked.</summary>
    public static string Encode(string value, bool keepSlash)
    {
        var builder = new StringBuilder(value.Length + 16);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in value.EnumerateRunes())
        {
            if (rune.IsAscii && (IsUnreserved((char)rune.Value) || (keepSlash && rune.Value == '/')))
            {
                builder.Append((char)rune.Value);
                continue;
            }

            var length = rune.EncodeToUtf8(bytes);
            for (var i = 0; i < length; i++)
            {
                builder.Append('%').Append(HexUpper[bytes[i] >> 4]).Append(HexUpper[bytes[i] & 0xF]);
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// The canonical URI from the path as it came over the wire. For all services but S3 the path is
    /// normalized and encoded once more (so <c>%20</c> becomes <c>%2520</c>, AWS's "double encoding");
    /// for S3 it is decoded and encoded once.
    /// </summary>
    public static string Uri(string wirePath, bool normalize)
    {
        if (wirePath.Length == 0)
        {
            return "/";
        }

        return normalize
            ? Encode(NormalizePath(wirePath), keepSlash: true)
            : Encode(System.Uri.UnescapeDataString(wirePath), keepSlash: true);
    }

    /// <summary>Removes empty and dot segments (RFC 3986 section 5.2.4), keeping a trailing slash.</summary>
    public static string NormalizePath(string path)
    {
        var segments = new List<string>();
        foreach (var segment in path.Split('/'))
        {
            if (segment is "" or ".")
            {
                continue;
            }

            if (segment == "..")
            {
                if (segments.Count > 0)
                {
                    segments.RemoveAt(segments.Count - 1);
                }

                continue;
            }

            segments.Add(segment);
        }

        var normalized = "/" + string.Join('/', segments);
        return segments.Count > 0 && path.EndsWith('/') ? normalized + "/" : normalized;
    }

    /// <summary>Name=value pairs from the wire query, decoded; a name without '=' has an empty value.</summary>
    public static List<KeyValuePair<string, string>> ParseQuery(string query)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? part : part[..equals];
            var value = equals < 0 ? "" : part[(equals + 1)..];
            pairs.Add(new(System.Uri.UnescapeDataString(name), System.Uri.UnescapeDataString(value)));
        }

        return pairs;
    }

    /// <summary>Every pair re-encoded, sorted by name then value, joined with '&amp;'.</summary>
    public static string Query(IEnumerable<KeyValuePair<string, string>> pairs)
    {
        var encoded = pairs.Select(p => (Name: Encode(p.Key, keepSlash: false), Value: Encode(p.Value, keepSlash: false))).ToList();
        encoded.Sort((a, b) =>
        {
            var byName = string.CompareOrdinal(a.Name, b.Name);
            return byName != 0 ? byName : string.CompareOrdinal(a.Value, b.Value);
        });
        return string.Join('&', encoded.Select(p => $"{p.Name}={p.Value}"));
    }

    /// <summary>A header value as signed: trimmed, inner runs of white space (folded lines too) made one space.</summary>
    public static string HeaderValue(string value)
    {
        var builder = new StringBuilder(value.Length);
        var pendingSpace = false;
        foreach (var c in value.AsSpan().Trim())
        {
            if (c is ' ' or '\t' or '\r' or '\n')
            {
                pendingSpace = true;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static bool IsUnreserved(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~';

    private const string HexUpper = "0123456789ABCDEF";
}
