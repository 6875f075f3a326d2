using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Ec2Query;

/// <summary>
/// Replays the calls Terraform's AWS provider makes to apply and destroy an aws_vpc, aws_subnet, aws_security_group and
/// aws_instance (TerraformReplay/aws-provider-vpc-subnet-sg-instance.json, recorded from the provider's source) against the
/// API as signed EC2 and STS query requests: each id the platform answers is fed into the later calls, the provider's
/// waiters poll as it polls, and every answer must have what the provider reads next, parsed as its SDK parses it (the
/// XML's local element names). A call the provider would fail on fails the replay.
/// </summary>
public sealed partial class TerraformReplayTests : IAsyncLifetime
{
    /// <summary>
    /// The steps whose failure the provider only logs (provider_tolerates "*") and which the platform answers with an error,
    /// each with why: the platform has no such resource. Any other tolerated failure, or one of these starting to succeed, fails the test.
    /// </summary>
    private static readonly Dictionary<string, string> ExpectedToleratedFailures = new(StringComparer.Ordinal)
    {
        ["DescribeNetworkAcls"] = "InvalidAction",
    };

    private Ec2Cloud _cloud = null!;

    public async Task InitializeAsync() => _cloud = await Ec2Cloud.StartAsync();

    public async Task DisposeAsync() => await _cloud.DisposeAsync();

    [Fact]
    public async Task Given_the_AWS_providers_recorded_calls_When_replayed_Then_every_answer_has_what_the_provider_reads_and_destroy_leaves_nothing()
    {
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(AppContext.BaseDirectory, "Ec2Query", "TerraformReplay",
            "aws-provider-vpc-subnet-sg-instance.json")));
        var root = _cloud.Api.RootCredentials();
        var values = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["image"] = _cloud.ImageId,
            ["run"] = Guid.NewGuid().ToString("N")[..12],
        };
        var clients = new Dictionary<string, HttpClient>(StringComparer.Ordinal)
        {
            ["ec2"] = Client(root, "ec2"),
            ["sts"] = Client(root, "sts"),
        };
        var tolerated = new Dictionary<string, string>(StringComparer.Ordinal);
        var number = 0;
        try
        {
            foreach (var step in document.RootElement.GetProperty("steps").EnumerateArray())
            {
                number++;
                var service = step.GetProperty("service").GetString()!;
                var action = step.GetProperty("action").GetString()!;
                var label = $"step {number} {service}:{action} ({step.GetProperty("source").GetString()})";
                var form = Form(action, service, step.GetProperty("params").EnumerateObject()
                    .Select(p => KeyValuePair.Create(p.Name, Substitute(p.Value.GetString()!, values))));

                Answer answer;
                if (step.TryGetProperty("until", out var until))
                {
                    var path = until.GetProperty("path").GetString()!;
                    var wanted = Substitute(until.GetProperty("equals").GetString()!, values);
                    answer = default;
                    await Eventually.TrueAsync(async () =>
                    {
                        answer = await SendAsync(clients[service], form);
                        Assert.True(answer.Error is null, $"{label}: {answer.Error} {answer.Text}");
                        return Find(answer.Document!, path).FirstOrDefault()?.Value == wanted;
                    }, TimeSpan.FromSeconds(120), () => $"{label}: {path} never became {wanted}; last answer {answer.Text}", TimeSpan.FromMilliseconds(500));
                }
                else if (step.TryGetProperty("until_error", out var untilError))
                {
                    var code = untilError.GetString()!;
                    answer = default;
                    await Eventually.TrueAsync(async () =>
                    {
                        answer = await SendAsync(clients[service], form);
                        return answer.Error == code;
                    }, TimeSpan.FromSeconds(120), () => $"{label}: never answered {code}; last answer {answer.Text}", TimeSpan.FromMilliseconds(500));
                    continue;
                }
                else
                {
                    var retryOn = step.TryGetProperty("retry_on", out var retry) ? retry.EnumerateArray().Select(r => r.GetString()!).ToHashSet() : [];
                    answer = await SendAsync(clients[service], form);
                    if (answer.Error is { } first && retryOn.Contains(first))
                    {
                        await Eventually.TrueAsync(async () =>
                        {
                            answer = await SendAsync(clients[service], form);
                            return answer.Error is null || !retryOn.Contains(answer.Error);
                        }, TimeSpan.FromSeconds(120), () => $"{label}: still {answer.Error}", TimeSpan.FromSeconds(1));
                    }
                }

                if (answer.Error is { } error)
                {
                    var allowed = step.TryGetProperty("provider_tolerates", out var tolerates)
                        ? tolerates.EnumerateArray().Select(t => t.GetString()!).ToList()
                        : [];
                    Assert.True(allowed.Contains(error) || allowed.Contains("*"), $"{label} failed where the provider would stop: {answer.Text}");
                    if (!allowed.Contains(error))
                    {
                        tolerated[action] = error;
                    }

                    continue;
                }

                var xml = answer.Document!;
                if (step.TryGetProperty("reads", out var reads))
                {
                    foreach (var path in reads.EnumerateArray().Select(r => r.GetString()!))
                    {
                        Assert.True(Find(xml, path).Any(), $"{label}: the answer has no {path}: {answer.Text}");
                    }
                }

                if (step.TryGetProperty("equals", out var equals))
                {
                    foreach (var expected in equals.EnumerateObject())
                    {
                        var wanted = Substitute(expected.Value.GetString()!, values);
                        Assert.True(Find(xml, expected.Name).FirstOrDefault()?.Value == wanted, $"{label}: {expected.Name} is not {wanted}: {answer.Text}");
                    }
                }

                if (step.TryGetProperty("count", out var counts))
                {
                    foreach (var count in counts.EnumerateObject())
                    {
                        Assert.True(Find(xml, count.Name).Count() == count.Value.GetInt32(), $"{label}: not {count.Value} of {count.Name}: {answer.Text}");
                    }
                }

                if (step.TryGetProperty("capture", out var capture))
                {
                    foreach (var name in capture.EnumerateObject())
                    {
                        values[name.Name] = Find(xml, name.Value.GetString()!).First().Value;
                    }
                }
            }

            Assert.Equal(ExpectedToleratedFailures.OrderBy(f => f.Key), tolerated.OrderBy(f => f.Key));

            // Destroy left nothing: the instance terminated and its interface released, no VPC, subnet or group of the run remains.
            var vpcs = (await SendAsync(clients["ec2"], Form("DescribeVpcs", "ec2", []))).Document!;
            Assert.DoesNotContain(values["vpc"], Find(vpcs, "vpcSet/item/vpcId").Select(v => v.Value));
            var interfaces = (await SendAsync(clients["ec2"], Form("DescribeNetworkInterfaces", "ec2", []))).Document!;
            Assert.DoesNotContain(values["subnet"], Find(interfaces, "networkInterfaceSet/item/subnetId").Select(v => v.Value));
        }
        finally
        {
            foreach (var client in clients.Values)
            {
                client.Dispose();
            }
        }
    }

    /// <summary>The elements at a path of local names below the root (the SDK's XML unmarshalling ignores the namespace).</summary>
    private static IEnumerable<XElement> Find(XElement root, string path) =>
        path.Split('/').Aggregate((IEnumerable<XElement>)[root], (found, name) => found.SelectMany(e => e.Elements().Where(c => c.Name.LocalName == name)));

    private static string Substitute(string text, Dictionary<string, string> values) =>
        Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value, out var value) ? value : throw new InvalidOperationException($"nothing captured as {m.Value}"));

    private static string Form(string action, string service, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var version = service switch { "ec2" => "2016-11-15", "sts" => "2011-06-15", _ => throw new ArgumentException(service) };
        var body = new StringBuilder($"Action={action}&Version={version}");
        foreach (var (name, value) in parameters)
        {
            body.Append('&').Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return body.ToString();
    }

    private static async Task<Answer> SendAsync(HttpClient client, string form)
    {
        using var response = await client.PostAsync("/", new StringContent(form, Encoding.UTF8, "application/x-www-form-urlencoded"));
        var text = await response.Content.ReadAsStringAsync();
        var xml = XDocument.Parse(text).Root!;
        if (response.StatusCode == HttpStatusCode.OK)
        {
            return new Answer(xml, null, text);
        }

        // EC2's <Response><Errors><Error><Code>, or awsQuery's <ErrorResponse><Error><Code>, as the SDK reads them.
        var code = xml.Descendants().FirstOrDefault(e => e.Name.LocalName == "Code")?.Value;
        Assert.False(string.IsNullOrEmpty(code), $"an error without a code: {text}");
        Assert.True((int)response.StatusCode is >= 400 and < 500, $"{response.StatusCode}: {text}");
        return new Answer(null, code, text);
    }

    private HttpClient Client(TestCredentials credentials, string service) =>
        new(new SdkSigningHandler(credentials, service) { InnerHandler = _cloud.Api.CreateHandler() }) { BaseAddress = _cloud.Api.BaseAddress };

    [GeneratedRegex(@"\{([a-z]+)\}")]
    private static partial Regex Placeholder();

    private readonly record struct Answer(XElement? Document, string? Error, string Text);
}
