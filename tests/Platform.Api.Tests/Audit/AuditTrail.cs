using System.Text.Json;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Audit;

/// <summary>Reads an account's audit trail through LookupEvents, every page of it.</summary>
internal static class AuditTrail
{
    public static async Task<List<JsonElement>> EventsAsync(this HttpClient client, string query = "")
    {
        var events = new List<JsonElement>();
        string? token = null;
        do
        {
            var separator = query.Length > 0 ? "&" : "";
            var page = await (await client.GetAsync($"/api/v1/cloudtrail/events?{query}{(token is null ? "" : $"{separator}next_token={Uri.EscapeDataString(token)}")}")).AssertOkAsync();
            events.AddRange(page.GetProperty("events").EnumerateArray().Select(e => e.Clone()));
            token = page.TryGetProperty("next_token", out var next) ? next.GetString() : null;
        }
        while (token is not null);
        return events;
    }

    public static string? Str(this JsonElement e, string name) => e.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    public static JsonElement Record(this JsonElement e) => JsonDocument.Parse(e.GetProperty("cloud_trail_event").GetString()!).RootElement.Clone();
}
