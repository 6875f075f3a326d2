using System.Net;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Network;

/// <summary>
/// ELBv2's describe calls paged as botocore's paginators page them (<c>PageSize</c> in, <c>NextMarker</c> out, <c>Marker</c> back),
/// through direct query requests: every page size gives every item once, in ELBv2's order, the last page has no marker, an item
/// deleted between two pages hides nothing else, and a marker that is not the call's own is ValidationError.
/// (awscli 1 and 2 treat elbv2's <c>--page-size</c> as the operation's own PageSize, since the paginator's limit key has that
/// name, and then print one page with its NextMarker and do not follow it; <c>--max-items</c> pages by itself. That is the CLI
/// against AWS too, checked in the report, not a fault of the API.)
/// </summary>
public sealed class ElbQueryPagingTests(LoadBalancerPlatform platform) : IClassFixture<LoadBalancerPlatform>
{
    private const string Elb = "/api/v1/elb";
    private static readonly XNamespace Ns = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

    private static string Text(JsonElement element, string property) => element.GetProperty(property).GetString()!;

    private static StringContent Form(string body) => new(body, Encoding.UTF8, "application/x-www-form-urlencoded");

    private static async Task<XElement> QueryAsync(HttpClient query, string form)
    {
        var response = await query.PostAsync("/", Form("Version=2015-12-01&" + form));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{form}: {response.StatusCode} {text}");
        return XDocument.Parse(text).Root!;
    }

    /// <summary>Every page of one describe call at one page size, following NextMarker to its end.</summary>
    private static async Task<List<List<string>>> PagesAsync(HttpClient query, string form, string itemsName, string field, int pageSize,
        Func<int, Task>? betweenPages = null)
    {
        var pages = new List<List<string>>();
        string? marker = null;
        do
        {
            var result = (await QueryAsync(query, $"{form}&PageSize={pageSize}" + (marker is null ? "" : "&Marker=" + Uri.EscapeDataString(marker)))).Elements().First();
            var items = result.Element(Ns + itemsName)!.Elements(Ns + "member").Select(m => m.Element(Ns + field)!.Value).ToList();
            Assert.InRange(items.Count, 1, pageSize);
            pages.Add(items);
            marker = result.Element(Ns + "NextMarker")?.Value;
            Assert.True(pages.Count <= 50, "the pages never ended");
            if (marker is not null && betweenPages is not null)
            {
                await betweenPages(pages.Count);
            }
        }
        while (marker is not null);

        return pages;
    }

    [Fact]
    public async Task Given_groups_balancers_listeners_and_rules_When_paged_at_every_size_Then_each_item_comes_once_in_order_and_foreign_markers_are_refused()
    {
        using var root = platform.App.SignedClient(platform.App.RootCredentials);
        var tenant = await root.CreateAccountAsync("elb-pager");
        using var client = platform.App.SignedClient(tenant);
        using var query = platform.App.SignedClient(tenant, "elasticloadbalancing");
        var vpc = Text(await (await client.PostJsonAsync("/api/v1/vpc/vpcs", new { cidr_block = "10.70.0.0/16" })).AssertOkAsync(), "vpc_id");
        async Task<string> Subnet(string cidr, string zone) =>
            Text(await (await client.PostJsonAsync("/api/v1/vpc/subnets", new { vpc_id = vpc, cidr_block = cidr, availability_zone = zone })).AssertOkAsync(), "subnet_id");
        var subnets = new[] { await Subnet("10.70.1.0/24", "us-east-1a"), await Subnet("10.70.2.0/24", "us-east-1b") };

        var groupNames = new[] { "tg-e", "tg-a", "tg-g", "tg-c", "tg-b", "tg-f", "tg-d" };
        var groupArns = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in groupNames)
        {
            groupArns[name] = Text(await (await client.PostJsonAsync($"{Elb}/target-groups", new { name, protocol = "HTTP", port = 80, vpc_id = vpc })).AssertOkAsync(),
                "target_group_arn");
        }

        var balancerNames = new[] { "lb-c", "lb-a", "lb-b" };
        var balancerArns = new List<string>();
        foreach (var name in balancerNames)
        {
            balancerArns.Add(Text(await (await client.PostJsonAsync($"{Elb}/load-balancers", new { name, scheme = "internal", subnets })).AssertOkAsync(),
                "load_balancer_arn"));
        }

        object[] Forward(string name) => [new { type = "forward", target_group_arn = groupArns[name] }];
        var ports = new[] { 8080, 80, 443, 81, 9000 };
        var listenerArns = new List<string>();
        foreach (var port in ports)
        {
            listenerArns.Add(Text(await (await client.PostJsonAsync($"{Elb}/listeners",
                new { load_balancer_arn = balancerArns[0], protocol = "HTTP", port, default_actions = Forward("tg-a") })).AssertOkAsync(), "listener_arn"));
        }

        var priorities = new[] { 100, 5, 50000, 20, 9, 1000 };
        foreach (var priority in priorities)
        {
            await (await client.PostJsonAsync($"{Elb}/rules", new
            {
                listener_arn = listenerArns[0],
                priority,
                conditions = new[] { new { field = "path-pattern", path_pattern_config = new { values = new[] { $"/p{priority}/*" } } } },
                actions = Forward("tg-b"),
            })).AssertOkAsync();
        }

        var listenerForm = "Action=DescribeListeners&LoadBalancerArn=" + Uri.EscapeDataString(balancerArns[0]);
        var rulesForm = "Action=DescribeRules&ListenerArn=" + Uri.EscapeDataString(listenerArns[0]);
        var calls = new (string Form, string Items, string Field, string[] Expected)[]
        {
            ("Action=DescribeTargetGroups", "TargetGroups", "TargetGroupName", groupNames.Order(StringComparer.Ordinal).ToArray()),
            ("Action=DescribeLoadBalancers", "LoadBalancers", "LoadBalancerName", balancerNames.Order(StringComparer.Ordinal).ToArray()),
            (listenerForm, "Listeners", "Port", ports.Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray()),
            (rulesForm, "Rules", "Priority", [.. priorities.Order().Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)), "default"]),
        };
        foreach (var (form, items, field, expected) in calls)
        {
            for (var size = 1; size <= expected.Length + 1; size++)
            {
                var pages = await PagesAsync(query, form, items, field, size);
                Assert.Equal(expected, pages.SelectMany(p => p));
                Assert.Equal((expected.Length + size - 1) / size, pages.Count);
            }

            // Without PageSize, ELBv2's default page (400) holds them all and no marker.
            var all = (await QueryAsync(query, form)).Elements().First();
            Assert.Equal(expected, all.Element(Ns + items)!.Elements(Ns + "member").Select(m => m.Element(Ns + field)!.Value));
            Assert.Null(all.Element(Ns + "NextMarker"));
        }

        // A group deleted between two pages (the one the marker names) neither repeats an item nor hides another.
        var seen = await PagesAsync(query, "Action=DescribeTargetGroups", "TargetGroups", "TargetGroupName", 3, async page =>
        {
            if (page == 1)
            {
                await (await client.DeleteAsync($"{Elb}/target-groups?target_group_arn={Uri.EscapeDataString(groupArns["tg-c"])}")).AssertOkAsync();
            }
        });
        Assert.Equal(["tg-a", "tg-b", "tg-c", "tg-d", "tg-e", "tg-f", "tg-g"], seen.SelectMany(p => p));

        // Markers of one call are not another's: ValidationError, as a made-up one, not a silently different listing.
        var groupsMarker = (await QueryAsync(query, "Action=DescribeTargetGroups&PageSize=1")).Elements().First().Element(Ns + "NextMarker")!.Value;
        var rulesMarker = (await QueryAsync(query, rulesForm + "&PageSize=1")).Elements().First().Element(Ns + "NextMarker")!.Value;
        var listenersMarker = (await QueryAsync(query, listenerForm + "&PageSize=1")).Elements().First().Element(Ns + "NextMarker")!.Value;
        var balancersMarker = (await QueryAsync(query, "Action=DescribeLoadBalancers&PageSize=1")).Elements().First().Element(Ns + "NextMarker")!.Value;
        foreach (var form in new[]
        {
            "Action=DescribeTargetGroups&Marker=" + Uri.EscapeDataString(rulesMarker),
            "Action=DescribeLoadBalancers&Marker=" + Uri.EscapeDataString(groupsMarker),
            listenerForm + "&Marker=" + Uri.EscapeDataString(balancersMarker),
            rulesForm + "&Marker=" + Uri.EscapeDataString(groupsMarker),
            "Action=DescribeRules&ListenerArn=" + Uri.EscapeDataString(listenerArns[1]) + "&Marker=" + Uri.EscapeDataString(rulesMarker),
            "Action=DescribeListeners&LoadBalancerArn=" + Uri.EscapeDataString(balancerArns[1]) + "&Marker=" + Uri.EscapeDataString(listenersMarker),
            "Action=DescribeTargetGroups&Marker=not-a-marker",
            "Action=DescribeTargetGroups&Marker=",
            "Action=DescribeTargetGroups&PageSize=0",
            "Action=DescribeTargetGroups&PageSize=401",
        })
        {
            var response = await query.PostAsync("/", Form("Version=2015-12-01&" + form));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{form}: {response.StatusCode} {text}");
            var error = XDocument.Parse(text).Root!;
            Assert.Equal("ErrorResponse", error.Name.LocalName);
            Assert.Equal("ValidationError", error.Descendants().Single(e => e.Name.LocalName == "Code").Value);
            Assert.NotEmpty(error.Descendants().Single(e => e.Name.LocalName == "RequestId").Value);
        }

        // The refusals changed nothing: the six groups left, listed whole.
        var left = (await QueryAsync(query, "Action=DescribeTargetGroups")).Elements().First();
        Assert.Equal(["tg-a", "tg-b", "tg-d", "tg-e", "tg-f", "tg-g"], left.Element(Ns + "TargetGroups")!.Elements(Ns + "member").Select(m => m.Element(Ns + "TargetGroupName")!.Value));
    }
}
