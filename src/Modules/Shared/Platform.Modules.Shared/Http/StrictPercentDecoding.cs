using System.Text;

namespace Platform.Modules.Shared.Http;

/// <summary>
/// Percent-decoding that refuses what cannot be decoded, as S3 does ("Couldn't parse the specified URI."), where
/// <see cref="Uri.UnescapeDataString(string)"/> and the server's own path decoding keep a malformed or non-UTF-8
/// escape as literal text: <c>a%FF</c> would then name the same key as <c>a%25FF</c>. A NUL is refused too: no
/// name on this platform may hold one.
/// </summary>
public static class StrictPercentDecoding
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Decodes every <c>%XX</c>; other characters stay as they are (<c>+</c> included: only a query's reader may
    /// take it for a space). False when an escape is not two hex digits, the bytes are not UTF-8, or a NUL results.
    /// </summary>
    public static bool TryDecode(string value, out string decoded)
    {
        decoded = value;
        if (!value.Contains('%', StringComparison.Ordinal))
        {
            return !value.Contains('\0', StringComparison.Ordinal);
        }

        // Decoding never lengthens: an escape's three characters become one byte.
        var bytes = new byte[Encoding.UTF8.GetByteCount(value)];
        var length = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '%')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2]))
                {
                    return false;
                }

                bytes[length++] = (byte)((HexValue(value[i + 1]) << 4) | HexValue(value[i + 2]));
                i += 2;
            }
            else if (c < 0x80)
            {
                bytes[length++] = (byte)c;
            }
            else
            {
                var count = char.IsHighSurrogate(c) && i + 1 < value.Length ? 2 : 1;
                length += Encoding.UTF8.GetBytes(value.AsSpan(i, count), bytes.AsSpan(length));
                i += count - 1;
            }
        }

        try
        {
            decoded = Utf8.GetString(bytes, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        return !decoded.Contains('\0', StringComparison.Ordinal);
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
