using System.Globalization;
using System.Text;
using Platform.Modules.Shared.Errors;

namespace Platform.Modules.Shared.AwsQuery;

/// <summary>
/// The parameters of an AWS query-protocol request (<c>Action=…&amp;Version=…</c>, form-encoded in the body or the query
/// string), read the way AWS's services read them: lists as <c>Name.member.N</c>, structures as <c>Name.Field</c>.
/// Every parameter a request carries must be read by its action: one nobody asked for is refused, so a setting the
/// platform does not implement is never silently dropped.
/// </summary>
public sealed class AwsQueryParameters
{
    /// <summary>More parameters than any supported action takes, with room for long lists.</summary>
    public const int MaxParameters = 1000;

    public const int MaxNameLength = 256;

    private readonly Dictionary<string, string> _values;
    private readonly HashSet<string> _read;
    private readonly string _prefix;

    private AwsQueryParameters(Dictionary<string, string> values, HashSet<string> read, string prefix)
    {
        _values = values;
        _read = read;
        _prefix = prefix;
    }

    /// <summary>The parameters of the query string and the body together; a name given twice is an error.</summary>
    /// <param name="forms">Raw <c>application/x-www-form-urlencoded</c> texts (without the leading <c>?</c>).</param>
    /// <param name="ignore">Names that belong to the transport, not the action (a presigned request's <c>X-Amz-*</c>).</param>
    public static AwsQueryParameters Parse(IEnumerable<string?> forms, Func<string, bool>? ignore = null)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var form in forms)
        {
            foreach (var pair in (form ?? "").Split('&'))
            {
                if (pair.Length == 0)
                {
                    continue;
                }

                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                var name = Decode(equals < 0 ? pair : pair[..equals]);
                var value = equals < 0 ? "" : Decode(pair[(equals + 1)..]);
                if (name.Length == 0)
                {
                    throw Malformed("A parameter has no name.");
                }

                if (name.Length > MaxNameLength)
                {
                    throw Malformed($"A parameter name is longer than {MaxNameLength} characters.");
                }

                if (ignore?.Invoke(name) == true)
                {
                    continue;
                }

                if (!values.TryAdd(name, value))
                {
                    throw Malformed($"The parameter {name} is given more than once.");
                }

                if (values.Count > MaxParameters)
                {
                    throw Malformed($"The request has more than {MaxParameters} parameters.");
                }
            }
        }

        return new AwsQueryParameters(values, new HashSet<string>(StringComparer.Ordinal), "");
    }

    /// <summary>
    /// Parameters another protocol's document carried (JSON 1.0, RPC v2 CBOR), already written under the query protocol's
    /// names (<c>Dimensions.member.1.Name</c>) by its reader, which bounds their number and names as <see cref="Parse"/> does.
    /// </summary>
    public static AwsQueryParameters FromNames(IReadOnlyDictionary<string, string> values) =>
        new(new Dictionary<string, string>(values, StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), "");

    /// <summary>A parameter's value, or null when absent (an empty value is a value).</summary>
    public string? Optional(string name)
    {
        var key = _prefix + name;
        _read.Add(key);
        return _values.GetValueOrDefault(key);
    }

    public string Required(string name) =>
        Optional(name) is { Length: > 0 } value ? value : throw ApiErrors.MissingParameter($"The request must contain the parameter {_prefix}{name}.");

    public int? OptionalInt(string name) => Optional(name) switch
    {
        null => null,
        var text when int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        var text => throw ApiErrors.InvalidParameterValue($"Value ({text}) for parameter {_prefix}{name} is invalid. Expecting an integer."),
    };

    public double? OptionalDouble(string name) => Optional(name) switch
    {
        null => null,
        var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value) => value,
        var text => throw ApiErrors.InvalidParameterValue($"Value ({text}) for parameter {_prefix}{name} is invalid. Expecting a number."),
    };

    /// <summary>
    /// A list of strings that may be sent empty: botocore sends an empty list as the bare name (<c>TerminationPolicies=</c>),
    /// which reads as an empty list here; null when the list is absent.
    /// </summary>
    public IReadOnlyList<string>? OptionalStringList(string name)
    {
        var bare = Optional(name);
        var items = StringList(name);
        return items.Count > 0 ? items : bare is not null ? [] : null;
    }

    public bool? OptionalBool(string name) => Optional(name) switch
    {
        null => null,
        "true" => true,
        "false" => false,
        var text => throw ApiErrors.InvalidParameterValue($"Value ({text}) for parameter {_prefix}{name} is invalid. Expecting true or false."),
    };

    /// <summary>The fields of the structure <c>name</c> (<c>name.Field</c>), or null when the request has none of them.</summary>
    public AwsQueryParameters? Structure(string name)
    {
        var prefix = _prefix + name + ".";
        return _values.Keys.Any(k => k.StartsWith(prefix, StringComparison.Ordinal)) ? new AwsQueryParameters(_values, _read, prefix) : null;
    }

    /// <summary>The elements of the list <c>name.member.N</c> in order, each a structure of its own (<c>name.member.N.Field</c>).</summary>
    public IReadOnlyList<AwsQueryParameters> List(string name) =>
        [.. Indexes(name, ".member.").Select(i => new AwsQueryParameters(_values, _read, $"{_prefix}{name}.member.{i}."))];

    /// <summary>The values of the list of strings <c>name.member.N</c>, in order.</summary>
    public IReadOnlyList<string> StringList(string name) => [.. Indexes(name, ".member.").Select(i => Optional($"{name}.member.{i}")!)];

    /// <summary>
    /// A list whose members the service model names (RDS's <c>Tags.Tag.N</c>, <c>Filters.Filter.N</c>): botocore writes
    /// <c>name.memberName.N</c> where the list's member has a <c>locationName</c>, <c>name.member.N</c> where it has none.
    /// </summary>
    public IReadOnlyList<AwsQueryParameters> List(string name, string memberName) =>
        [.. Indexes(name, "." + memberName + ".").Select(i => new AwsQueryParameters(_values, _read, $"{_prefix}{name}.{memberName}.{i}."))];

    /// <summary>The values of the list of strings <c>name.memberName.N</c>, in order.</summary>
    public IReadOnlyList<string> StringList(string name, string memberName) =>
        [.. Indexes(name, "." + memberName + ".").Select(i => Optional($"{name}.{memberName}.{i}")!)];

    /// <summary>As <see cref="OptionalStringList(string)"/> for a list whose members the model names.</summary>
    public IReadOnlyList<string>? OptionalStringList(string name, string memberName)
    {
        var bare = Optional(name);
        var items = StringList(name, memberName);
        return items.Count > 0 ? items : bare is not null ? [] : null;
    }

    /// <summary>EC2's lists, which have no <c>member</c>: the structures <c>name.N.Field</c> in order.</summary>
    public IReadOnlyList<AwsQueryParameters> FlatList(string name) =>
        [.. Indexes(name, ".").Select(i => new AwsQueryParameters(_values, _read, $"{_prefix}{name}.{i}."))];

    /// <summary>EC2's lists of strings: <c>name.N</c> in order.</summary>
    public IReadOnlyList<string> FlatStringList(string name) => [.. Indexes(name, ".").Select(i => Optional($"{name}.{i}")!)];

    /// <summary>Refuses the first parameter no action read: the request asked for something the platform would not do.</summary>
    public void RejectUnread(params string[] transport)
    {
        foreach (var key in _values.Keys.Order(StringComparer.Ordinal))
        {
            if (!_read.Contains(key) && Array.IndexOf(transport, key) < 0)
            {
                throw ApiErrors.UnknownParameter($"The parameter {key} is not recognized.");
            }
        }
    }

    /// <summary>1..N without a gap; AWS's clients number members so.</summary>
    private List<int> Indexes(string name, string separator)
    {
        var prefix = _prefix + name + separator;
        var indexes = new SortedSet<int>();
        foreach (var key in _values.Keys)
        {
            if (!key.StartsWith(prefix, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = key[prefix.Length..];
            var end = rest.IndexOf('.', StringComparison.Ordinal);
            var digits = end < 0 ? rest : rest[..end];
            if (digits.Length is 0 or > 4 || !digits.All(char.IsAsciiDigit) || digits[0] == '0'
                || int.Parse(digits, CultureInfo.InvariantCulture) is var index && index > MaxParameters)
            {
                throw Malformed($"The parameter {key} has no valid member index (1 to {MaxParameters}).");
            }

            indexes.Add(index);
        }

        var expected = 1;
        foreach (var index in indexes)
        {
            if (index != expected++)
            {
                throw Malformed($"The list {_prefix}{name} has member {index} but no member {expected - 1}.");
            }
        }

        return [.. indexes];
    }

    /// <summary>Strict form decoding: <c>+</c> is a space, <c>%XX</c> a byte, and the bytes must be UTF-8.</summary>
    private static string Decode(string text)
    {
        if (!text.Contains('%', StringComparison.Ordinal) && !text.Contains('+', StringComparison.Ordinal))
        {
            return text;
        }

        var bytes = new List<byte>(text.Length);
        var literal = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is not ('+' or '%'))
            {
                continue;
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(text[literal..i]));
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else
            {
                if (i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2]))
                {
                    throw Malformed("The request contains a malformed percent-encoding.");
                }

                bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                i += 2;
            }

            literal = i + 1;
        }

        bytes.AddRange(Encoding.UTF8.GetBytes(text[literal..]));
        try
        {
            return Strict.GetString(bytes.ToArray());
        }
        catch (DecoderFallbackException)
        {
            throw Malformed("The request contains a parameter that is not valid UTF-8.");
        }
    }

    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static ApiException Malformed(string message) => new(400, "MalformedQueryString", message);
}
