using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;

namespace Platform.FaultInjection.Tests;

public enum Outcome
{
    /// <summary>2xx: the effect must be there afterwards.</summary>
    Ok,

    /// <summary>A refusal in AWS's shape: a status, a code, a message and the request id of the x-amz-request-id header.</summary>
    AwsError,

    /// <summary>No HTTP answer (refused, reset): allowed only while the API was down on purpose.</summary>
    ConnectionError,

    /// <summary>No answer within the client's timeout: never allowed.</summary>
    Timeout,

    /// <summary>An answer that is neither 2xx nor an AWS-style error: never allowed.</summary>
    Malformed,
}

public sealed record CallRecord(string What, DateTime Start, DateTime End, Outcome Outcome, int Status, string? Code, string Detail);

/// <summary>A call's answer as the workload sees it.</summary>
public sealed record Answer(Outcome Outcome, int Status, string? Code, JsonElement Body, byte[] Bytes)
{
    public bool Ok => Outcome == Outcome.Ok;
}

/// <summary>Every call the workload made, how it was answered, and how long it took.</summary>
public sealed class CallLedger(HttpClient client)
{
    private readonly ConcurrentQueue<CallRecord> _calls = new();

    public IReadOnlyCollection<CallRecord> Calls => _calls;

    public async Task<Answer> SendAsync(string what, Func<HttpRequestMessage> request)
    {
        var start = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        try
        {
            using var message = request();
            using var response = await client.SendAsync(message);
            var bytes = await response.Content.ReadAsByteArrayAsync();
            if (response.IsSuccessStatusCode)
            {
                return Keep(what, start, new Answer(Outcome.Ok, (int)response.StatusCode, null, Parse(response, bytes), bytes), "");
            }

            var (code, detail) = AwsError(response, bytes);
            return Keep(what, start, new Answer(code is null ? Outcome.Malformed : Outcome.AwsError, (int)response.StatusCode, code, default, bytes), detail);
        }
        catch (TaskCanceledException) when (watch.Elapsed >= client.Timeout - TimeSpan.FromSeconds(1))
        {
            return Keep(what, start, new Answer(Outcome.Timeout, 0, null, default, []), $"no answer within {client.Timeout.TotalSeconds} s");
        }
        catch (HttpRequestException e)
        {
            return Keep(what, start, new Answer(Outcome.ConnectionError, 0, null, default, []), e.InnerException?.Message ?? e.Message);
        }
    }

    private Answer Keep(string what, DateTime start, Answer answer, string detail)
    {
        _calls.Enqueue(new CallRecord(what, start, DateTime.UtcNow, answer.Outcome, answer.Status, answer.Code, detail));
        return answer;
    }

    private static JsonElement Parse(HttpResponseMessage response, byte[] bytes)
    {
        if (bytes.Length == 0 || response.Content.Headers.ContentType?.MediaType != "application/json")
        {
            return default;
        }

        using var document = JsonDocument.Parse(bytes);
        return document.RootElement.Clone();
    }

    /// <summary>The error's code when the answer is AWS-shaped (JSON code, message, request id equal to the header), else null and why.</summary>
    private static (string? Code, string Detail) AwsError(HttpResponseMessage response, byte[] bytes)
    {
        var text = System.Text.Encoding.UTF8.GetString(bytes);
        var header = response.Headers.TryGetValues("x-amz-request-id", out var values) ? values.SingleOrDefault() : null;
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var error = document.RootElement;
            var code = error.TryGetProperty("code", out var c) ? c.GetString() : null;
            var message = error.TryGetProperty("message", out var m) ? m.GetString() : null;
            var requestId = error.TryGetProperty("request_id", out var r) ? r.GetString() : null;
            return !string.IsNullOrEmpty(code) && !string.IsNullOrEmpty(message) && !string.IsNullOrEmpty(requestId) && requestId == header
                ? (code, $"{(int)response.StatusCode} {code}: {message}")
                : (null, $"{(int)response.StatusCode}, request id header {header ?? "missing"}: {text}");
        }
        catch (JsonException)
        {
            return (null, $"{(int)response.StatusCode}, not JSON (request id header {header ?? "missing"}): {text}");
        }
    }

    /// <summary>A call is allowed to get no answer only if it overlapped a span in which the API was down on purpose.</summary>
    public static bool DuringApiDowntime(CallRecord call, IEnumerable<(DateTime From, DateTime To)> windows) =>
        windows.Any(w => call.Start <= w.To && call.End >= w.From);

    public static HttpStatusCode StatusOf(CallRecord call) => (HttpStatusCode)call.Status;
}
