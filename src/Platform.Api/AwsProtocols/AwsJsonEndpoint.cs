using System.Formats.Cbor;
using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Modules.Shared.Accounts;
using Platform.Modules.Shared.Authentication;
using Platform.Modules.Shared.AwsQuery;
using Platform.Modules.Shared.Errors;

namespace Platform.Api.AwsProtocols;

/// <summary>Marks a request answered on AWS's JSON 1.0 or Smithy RPC v2 CBOR protocol, so every error of it (SigV4 included) is written in it.</summary>
internal sealed class AwsJsonProtocolFeature
{
    public required bool Cbor { get; init; }
}

/// <summary>Marks the RPC v2 CBOR route's endpoint.</summary>
internal sealed class AwsRpcV2CborEndpoint
{
    public static readonly AwsRpcV2CborEndpoint Instance = new();
}

/// <summary>
/// The two protocols newer AWS clients send an awsQuery-compatible service (CloudWatch) instead of the query protocol:
/// JSON 1.0 (<c>POST /</c>, <c>X-Amz-Target: GraniteServiceVersion20100801.DescribeAlarms</c>,
/// <c>application/x-amz-json-1.0</c>) and Smithy RPC v2 CBOR (<c>POST /service/GraniteServiceVersion20100801/operation/DescribeAlarms</c>,
/// <c>smithy-protocol: rpc-v2-cbor</c>, <c>application/cbor</c>), as botocore writes and reads them. Both run the query
/// protocol's own actions: the document's members are read under the query protocol's names (a list <c>Names: [a]</c> as
/// <c>Names.member.1=a</c>, a structure's field as <c>Name.Field</c>) and the answer is written from the same result, its
/// leaves with the types they were made from. So every rule, error and permission is the module's, as on the query protocol;
/// this holds none. Errors: <c>{"__type": code, "message": …}</c> with <c>x-amzn-query-error: code;Sender</c>, by which
/// botocore reads the query protocol's code.
/// </summary>
internal static class AwsJsonEndpoint
{
    public const string TargetHeader = "X-Amz-Target";
    public const string CborRoute = "/service/{service}/operation/{operation}";
    public const string JsonContentType = "application/x-amz-json-1.0";
    public const string CborContentType = "application/cbor";
    public const string SmithyProtocolHeader = "smithy-protocol";
    public const string SmithyProtocol = "rpc-v2-cbor";
    public const string RequestIdHeader = "x-amzn-RequestId";

    /// <summary>Deeper than any input shape CloudWatch has (GetMetricData's query, its stat, metric, dimensions: six).</summary>
    private const int MaxDepth = 16;

    public static bool IsJsonRequest(HttpRequest request) => request.Headers.ContainsKey(TargetHeader);

    /// <summary>JSON 1.0: the service by the signature, the operation by <c>X-Amz-Target</c>.</summary>
    public static async Task HandleJsonAsync(HttpContext context, AwsQueryRegistry registry, ICallerContext caller)
    {
        var request = context.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            throw new ApiException(405, "MethodNotAllowed", "The JSON protocol takes POST requests only.");
        }

        if (request.ContentType is not { } type || !type.StartsWith(JsonContentType, StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"The request body must be {JsonContentType}.");
        }

        var target = request.Headers[TargetHeader].ToString();
        var dot = target.LastIndexOf('.');
        var service = Service(context, registry, dot < 0 ? "" : target[..dot]);
        var operation = Operation(service, dot < 0 ? target : target[(dot + 1)..]);
        var body = await BodyAsync(request, context.RequestAborted);
        var parameters = body.Length == 0 ? new Dictionary<string, string>(StringComparer.Ordinal) : ReadJson(body, service.JsonTimestampMembers);
        var result = await service.RunAsync(operation, AwsQueryParameters.FromNames(parameters), caller.Identity, context.RequestServices, context.RequestAborted);
        var document = Document(result);
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        context.Response.ContentType = JsonContentType;
        await context.Response.Body.WriteAsync(WriteJson(document), context.RequestAborted);
    }

    /// <summary>RPC v2 CBOR: the service by the signature and the path's service (the target prefix), the operation by the path.</summary>
    public static async Task HandleCborAsync(HttpContext context, string service, string operation, AwsQueryRegistry registry, ICallerContext caller)
    {
        var request = context.Request;
        if (request.Headers[SmithyProtocolHeader].ToString() != SmithyProtocol)
        {
            throw new ApiException(400, "SerializationException", $"The request must carry the header {SmithyProtocolHeader}: {SmithyProtocol}.");
        }

        var body = await BodyAsync(request, context.RequestAborted);
        if (body.Length > 0 && (request.ContentType is not { } type || !type.StartsWith(CborContentType, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ApiException(415, "UnsupportedMediaType", $"The request body must be {CborContentType}.");
        }

        var found = Service(context, registry, service);
        var action = Operation(found, operation);
        var parameters = body.Length == 0 ? new Dictionary<string, string>(StringComparer.Ordinal) : ReadCbor(body, found.JsonTimestampMembers);
        var result = await found.RunAsync(action, AwsQueryParameters.FromNames(parameters), caller.Identity, context.RequestServices, context.RequestAborted);
        var document = Document(result);
        context.Response.Headers[RequestIdHeader] = context.TraceIdentifier;
        context.Response.Headers[SmithyProtocolHeader] = SmithyProtocol;
        context.Response.ContentType = CborContentType;
        await context.Response.Body.WriteAsync(WriteCbor(document), context.RequestAborted);
    }

    /// <summary>The error document of the protocol, with the query protocol's code in <c>x-amzn-query-error</c>.</summary>
    public static Task WriteErrorAsync(HttpContext context, AwsJsonProtocolFeature protocol, int status, string code, string message)
    {
        var response = context.Response;
        response.Headers[RequestIdHeader] = context.TraceIdentifier;
        response.Headers["x-amzn-query-error"] = $"{code};{(status >= 500 ? "Receiver" : "Sender")}";
        if (protocol.Cbor)
        {
            response.Headers[SmithyProtocolHeader] = SmithyProtocol;
            response.ContentType = CborContentType;
            var writer = new CborWriter(CborConformanceMode.Lax);
            writer.WriteStartMap(2);
            writer.WriteTextString("__type");
            writer.WriteTextString(code);
            writer.WriteTextString("message");
            writer.WriteTextString(message);
            writer.WriteEndMap();
            return response.Body.WriteAsync(writer.Encode(), context.RequestAborted).AsTask();
        }

        response.ContentType = JsonContentType;
        return response.Body.WriteAsync(JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, string> { ["__type"] = code, ["message"] = message }),
            context.RequestAborted).AsTask();
    }

    private static AwsQueryService Service(HttpContext context, AwsQueryRegistry registry, string targetPrefix)
    {
        var signed = context.Features.Get<SignedService>()
            ?? throw new InvalidOperationException("The JSON protocol endpoint ran without a verified signature.");
        var service = registry.Find(signed.Name)
            ?? throw new ApiException(403, "SignatureDoesNotMatch", $"Credential should be scoped to a valid service, not '{signed.Name}'.");
        return service.JsonTargetPrefix is { } prefix && prefix == targetPrefix
            ? service
            : throw UnknownOperation($"The service {signed.Name} has no operations under {targetPrefix}.");
    }

    private static string Operation(AwsQueryService service, string operation) =>
        service.Has(operation) ? operation : throw UnknownOperation($"The service {service.Name} has no operation {operation}.");

    private static ApiException UnknownOperation(string message) => new(400, "UnknownOperationException", message);

    private static ApiException Malformed(string message) => ApiErrors.MalformedBody(message);

    private static async Task<byte[]> BodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The SigV4 middleware has read (and bounded) the body already to hash it; it is buffered.
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        return buffer.ToArray();
    }

    /// <summary>The result's content as one structure: the query protocol's <c>…Result</c> element, with no name of its own.</summary>
    private static XElement Document(object? result) => AwsQueryXml.Element("Result", result);

    /// <summary>The members read so far under their query protocol names, bounded as the query protocol bounds a form.</summary>
    private sealed class Names(IReadOnlySet<string> timestamps)
    {
        public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

        public bool IsTimestamp(string member) => timestamps.Contains(member);

        public void Add(string name, string value)
        {
            if (name.Length > AwsQueryParameters.MaxNameLength)
            {
                throw Malformed($"A member's path is longer than {AwsQueryParameters.MaxNameLength} characters.");
            }

            if (!Values.TryAdd(name, value))
            {
                throw Malformed($"The member {name} is given more than once.");
            }

            if (Values.Count > AwsQueryParameters.MaxParameters)
            {
                throw Malformed($"The request has more than {AwsQueryParameters.MaxParameters} values.");
            }
        }

        /// <summary>A member name as the service models name them: letters, digits and underscores, so no name can pose as a path.</summary>
        public static string Member(string prefix, string name, int depth)
        {
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                throw Malformed($"The member name '{name}' is not a member of any input structure.");
            }

            if (prefix.Length == 0 && name is "Action" or "Version")
            {
                throw ApiErrors.UnknownParameter($"The parameter {name} is not recognized.");
            }

            return depth > MaxDepth ? throw Malformed($"The document nests deeper than {MaxDepth} levels.") : prefix + name;
        }
    }

    private static Dictionary<string, string> ReadJson(byte[] body, IReadOnlySet<string> timestamps)
    {
        var names = new Names(timestamps);
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth * 2 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed("The request body must be a JSON object.");
            }

            JsonStructure(document.RootElement, "", 0, names);
        }
        catch (JsonException e)
        {
            throw Malformed($"The request body is not valid JSON: {e.Message}");
        }

        return names.Values;
    }

    private static void JsonStructure(JsonElement structure, string prefix, int depth, Names names)
    {
        foreach (var member in structure.EnumerateObject())
        {
            JsonValue(member.Value, Names.Member(prefix, member.Name, depth + 1), member.Name, depth + 1, names);
        }
    }

    private static void JsonValue(JsonElement value, string name, string member, int depth, Names names)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                JsonStructure(value, name + ".", depth, names);
                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in value.EnumerateArray())
                {
                    JsonValue(item, $"{name}.member.{++index}", member, depth + 1, names);
                }

                if (index == 0)
                {
                    names.Add(name, "");
                }

                break;
            case JsonValueKind.String:
                names.Add(name, value.GetString()!);
                break;
            case JsonValueKind.Number:
                names.Add(name, names.IsTimestamp(member) ? Timestamp(value.GetDouble(), name) : value.GetRawText());
                break;
            case JsonValueKind.True or JsonValueKind.False:
                names.Add(name, value.GetBoolean() ? "true" : "false");
                break;
            case JsonValueKind.Null:
                break;
            default:
                throw Malformed($"The member {name} has no value.");
        }
    }

    private static Dictionary<string, string> ReadCbor(byte[] body, IReadOnlySet<string> timestamps)
    {
        var names = new Names(timestamps);
        var reader = new CborReader(body, CborConformanceMode.Lax);
        try
        {
            if (reader.PeekState() != CborReaderState.StartMap)
            {
                throw Malformed("The request body must be a CBOR map.");
            }

            CborStructure(reader, "", 0, names);
            if (reader.BytesRemaining != 0)
            {
                throw Malformed("The request body has data after its map.");
            }
        }
        catch (Exception e) when (e is CborContentException or InvalidOperationException or FormatException or OverflowException)
        {
            throw Malformed($"The request body is not valid CBOR: {e.Message}");
        }

        return names.Values;
    }

    private static void CborStructure(CborReader reader, string prefix, int depth, Names names)
    {
        reader.ReadStartMap();
        while (reader.PeekState() != CborReaderState.EndMap)
        {
            var member = reader.ReadTextString();
            CborValue(reader, Names.Member(prefix, member, depth + 1), member, depth + 1, names);
        }

        reader.ReadEndMap();
    }

    private static void CborValue(CborReader reader, string name, string member, int depth, Names names)
    {
        switch (reader.PeekState())
        {
            case CborReaderState.StartMap:
                CborStructure(reader, name + ".", depth, names);
                break;
            case CborReaderState.StartArray:
                reader.ReadStartArray();
                var index = 0;
                while (reader.PeekState() != CborReaderState.EndArray)
                {
                    CborValue(reader, $"{name}.member.{++index}", member, depth + 1, names);
                }

                reader.ReadEndArray();
                if (index == 0)
                {
                    names.Add(name, "");
                }

                break;
            case CborReaderState.TextString:
                names.Add(name, reader.ReadTextString());
                break;
            case CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger:
                var integer = reader.ReadInt64();
                names.Add(name, names.IsTimestamp(member) ? Timestamp(integer, name) : integer.ToString(CultureInfo.InvariantCulture));
                break;
            case CborReaderState.HalfPrecisionFloat or CborReaderState.SinglePrecisionFloat or CborReaderState.DoublePrecisionFloat:
                var number = reader.ReadDouble();
                names.Add(name, names.IsTimestamp(member) ? Timestamp(number, name) : number.ToString("R", CultureInfo.InvariantCulture));
                break;
            case CborReaderState.Boolean:
                names.Add(name, reader.ReadBoolean() ? "true" : "false");
                break;
            case CborReaderState.Null:
                reader.ReadNull();
                break;
            case CborReaderState.Tag when reader.PeekTag() == CborTag.UnixTimeSeconds:
                reader.ReadTag();
                var seconds = reader.PeekState() is CborReaderState.UnsignedInteger or CborReaderState.NegativeInteger ? reader.ReadInt64() : reader.ReadDouble();
                names.Add(name, Timestamp(seconds, name));
                break;
            default:
                throw Malformed($"The member {name} has a CBOR value ({reader.PeekState()}) no input shape takes.");
        }
    }

    /// <summary>Epoch seconds as the ISO 8601 time the query protocol's actions read.</summary>
    private static string Timestamp(double seconds, string name) =>
        double.IsFinite(seconds) && Math.Abs(seconds) < 253402300799
            ? DateTimeOffset.FromUnixTimeMilliseconds((long)Math.Round(seconds * 1000)).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture)
            : throw ApiErrors.InvalidParameterValue($"Value ({seconds.ToString(CultureInfo.InvariantCulture)}) for parameter {name} is invalid. Expecting a timestamp.");

    private static byte[] WriteJson(XElement document)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonNode(writer, document, structure: true);
        }

        return buffer.ToArray();
    }

    private static void JsonNode(Utf8JsonWriter writer, XElement element, bool structure = false)
    {
        switch (Kind(element, structure))
        {
            case NodeKind.List:
                writer.WriteStartArray();
                foreach (var member in element.Elements())
                {
                    JsonNode(writer, member);
                }

                writer.WriteEndArray();
                break;
            case NodeKind.Structure:
                writer.WriteStartObject();
                foreach (var member in element.Elements())
                {
                    writer.WritePropertyName(member.Name.LocalName);
                    JsonNode(writer, member);
                }

                writer.WriteEndObject();
                break;
            default:
                switch (element.Annotation<AwsQueryXml.TypedValue>()?.Value)
                {
                    case bool flag:
                        writer.WriteBooleanValue(flag);
                        break;
                    case DateTime or DateTimeOffset:
                        writer.WriteNumberValue(EpochSeconds(element));
                        break;
                    case int or long or short or byte or uint or ushort or sbyte:
                        writer.WriteNumberValue(Convert.ToInt64(element.Annotation<AwsQueryXml.TypedValue>()!.Value, CultureInfo.InvariantCulture));
                        break;
                    case double or float or decimal when Convert.ToDouble(element.Annotation<AwsQueryXml.TypedValue>()!.Value, CultureInfo.InvariantCulture) is var number
                        && double.IsFinite(number):
                        // A double keeps its point (10.0, not 10), as AWS's JSON services write one, so a client reads a float.
                        var digits = number.ToString("R", CultureInfo.InvariantCulture);
                        writer.WriteRawValue(digits.Contains('.', StringComparison.Ordinal) || digits.Contains('E', StringComparison.Ordinal) ? digits : digits + ".0");
                        break;
                    case string text:
                        writer.WriteStringValue(text);
                        break;
                    default:
                        writer.WriteStringValue(element.Value);
                        break;
                }

                break;
        }
    }

    private static byte[] WriteCbor(XElement document)
    {
        var writer = new CborWriter(CborConformanceMode.Lax);
        CborNode(writer, document, structure: true);
        return writer.Encode();
    }

    private static void CborNode(CborWriter writer, XElement element, bool structure = false)
    {
        switch (Kind(element, structure))
        {
            case NodeKind.List:
                writer.WriteStartArray(element.Elements().Count());
                foreach (var member in element.Elements())
                {
                    CborNode(writer, member);
                }

                writer.WriteEndArray();
                break;
            case NodeKind.Structure:
                writer.WriteStartMap(element.Elements().Count());
                foreach (var member in element.Elements())
                {
                    writer.WriteTextString(member.Name.LocalName);
                    CborNode(writer, member);
                }

                writer.WriteEndMap();
                break;
            default:
                var value = element.Annotation<AwsQueryXml.TypedValue>()?.Value;
                switch (value)
                {
                    case bool flag:
                        writer.WriteBoolean(flag);
                        break;
                    case DateTime or DateTimeOffset:
                        // Tag 1, epoch seconds: botocore's CBOR parser reads a timestamp so and no other way.
                        writer.WriteTag(CborTag.UnixTimeSeconds);
                        writer.WriteDouble(EpochSeconds(element));
                        break;
                    case int or long or short or byte or uint or ushort or sbyte:
                        writer.WriteInt64(Convert.ToInt64(value, CultureInfo.InvariantCulture));
                        break;
                    case double or float or decimal:
                        writer.WriteDouble(Convert.ToDouble(value, CultureInfo.InvariantCulture));
                        break;
                    case string text:
                        writer.WriteTextString(text);
                        break;
                    default:
                        writer.WriteTextString(element.Value);
                        break;
                }

                break;
        }
    }

    private enum NodeKind
    {
        Scalar,
        List,
        Structure,
    }

    /// <summary>A list where the action wrote one, a leaf where it wrote a value (or bare text), a structure otherwise (even an empty one).</summary>
    private static NodeKind Kind(XElement element, bool structure) =>
        structure ? NodeKind.Structure
        : element.Annotation<AwsQueryXml.ListShape>() is not null ? NodeKind.List
        : element.Annotation<AwsQueryXml.TypedValue>() is not null || (!element.HasElements && element.Value.Length > 0) ? NodeKind.Scalar
        : NodeKind.Structure;

    private static double EpochSeconds(XElement element)
    {
        var time = element.Annotation<AwsQueryXml.TypedValue>()!.Value switch
        {
            DateTime t => t.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : t.ToUniversalTime(),
            DateTimeOffset t => t.UtcDateTime,
            _ => throw new InvalidOperationException("Not a time."),
        };
        return (time - DateTime.UnixEpoch).Ticks / (double)TimeSpan.TicksPerSecond;
    }
}
