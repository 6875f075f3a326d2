using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Platform.Modules.Iam.Policies;
using Platform.Tests.Common;
using Xunit.Abstractions;

namespace Platform.Modules.Iam.Tests.Policies;

/// <summary>
/// Properties of the policy parser and evaluator over generated documents and requests (<see cref="PropertyRuns"/>):
/// a tenant writes the documents, so any text must end in a policy or in MalformedPolicyDocument/LimitExceeded, and a
/// policy that parsed must evaluate for any request; the decision does not depend on statement order or formatting.
/// </summary>
public sealed class PolicyPropertyTests(ITestOutputHelper output)
{
    private static readonly string[] Actions = ["*", "s3:*", "s3:GetObject", "s3:Get*", "s3:?etObject", "iam:ListUsers", "iam:list*", "ec2:*Instances", "ec2:RunInstances"];

    private static readonly string[] Resources =
    [
        "*", "arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/${aws:username}/*", "arn:aws:s3:::bucket/${aws:nothing}", "arn:aws:s3:::bucket/${aws:nothing, 'x'}/*",
        "arn:aws:iam::123456789012:user/*", "arn:aws:iam::*:user/a?ice", "arn:aws:ec2:us-east-1:123456789012:instance/${*}", "arn:aws:s3:::${",
    ];

    private static readonly string[] Operators =
    [
        "StringEquals", "StringNotEquals", "StringEqualsIgnoreCase", "StringLike", "StringNotLike", "NumericEquals", "NumericLessThan",
        "NumericGreaterThanEquals", "DateEquals", "DateLessThan", "DateGreaterThan", "Bool", "BinaryEquals", "IpAddress", "NotIpAddress",
        "ArnLike", "ArnNotEquals", "Null", "NullIfExists", "StringEqualsIfExists", "ForAnyValue:StringLike", "ForAllValues:StringEquals",
        "ForAllValues:NumericLessThan", "ForAnyValue:DateLessThanEquals", "ForAnyValue:Null",
    ];

    private static readonly string[] ContextKeys = ["aws:username", "aws:SourceIp", "aws:CurrentTime", "aws:EpochTime", "s3:prefix", "aws:PrincipalTag/team"];

    /// <summary>Values a caller or a policy author may write where a string, number, date, address or flag belongs.</summary>
    private static readonly string[] Values =
    [
        "alice", "ALICE", "a*", "", "true", "false", "10.1.2.3", "10.0.0.0/8", "::1", "2001:db8::/32", "10.1.2.3/33", "0", "-1", "1.5", "1e400",
        "79228162514264337593543950336", "2026-11-25T12:00:00Z", "2026-13-45", "9999-12-31T23:59:59Z", "0001-01-01T00:00:00Z",
        "1764072000", "253402300800", "99999999999999999", "-62135596801", "${aws:username}", "${", "arn:aws:iam::123456789012:user/alice",
    ];

    private static readonly Gen<JsonNode> ValueNode = Gen.Frequency(
        (6, Gen.Elements(Values).Select(v => (JsonNode)JsonValue.Create(v))),
        (1, Gen.Elements(0m, 1.5m, -3m, 1764072000m, 253402300800m, 1e20m).Select(v => (JsonNode)JsonValue.Create(v))),
        (1, Gen.Elements(true, false).Select(v => (JsonNode)JsonValue.Create(v))),
        // Arrays of any length, the empty one included.
        (2, Gen.ListOf(Gen.Elements(Values)).Select(list => (JsonNode)new JsonArray([.. list.Take(3).Select(v => (JsonNode)JsonValue.Create(v))]))));

    private static readonly Gen<JsonObject> Condition =
        from count in Gen.Choose(1, 3)
        from entries in Gen.ListOf(Gen.Zip(Gen.Elements(Operators), Gen.Zip(Gen.Elements(ContextKeys), ValueNode)), count)
        select entries.Aggregate(new JsonObject(), (block, entry) =>
        {
            var (op, (key, value)) = entry;
            var keys = block[op] as JsonObject ?? new JsonObject();
            keys[key] = value.DeepClone();
            block[op] = keys;
            return block;
        });

    private static Gen<JsonNode> OneOrMany(string[] choices) => Gen.OneOf(
        Gen.Elements(choices).Select(c => (JsonNode)JsonValue.Create(c)),
        Gen.NonEmptyListOf(Gen.Elements(choices)).Select(list => (JsonNode)new JsonArray([.. list.Select(c => (JsonNode)JsonValue.Create(c))])));

    private static readonly Gen<JsonObject> Statement =
        from effect in Gen.Elements("Allow", "Deny")
        from notAction in Gen.Elements(false, false, true)
        from actions in OneOrMany(Actions)
        from notResource in Gen.Elements(false, false, true)
        from resources in OneOrMany(Resources)
        from condition in Gen.OneOf(Gen.Constant<JsonObject?>(null), Condition.Select(c => (JsonObject?)c))
        select Build(effect, notAction, actions, notResource, resources, condition);

    private static JsonObject Build(string effect, bool notAction, JsonNode actions, bool notResource, JsonNode resources, JsonObject? condition)
    {
        var statement = new JsonObject { ["Effect"] = effect, [notAction ? "NotAction" : "Action"] = actions, [notResource ? "NotResource" : "Resource"] = resources };
        if (condition is not null)
        {
            statement["Condition"] = condition;
        }

        return statement;
    }

    private static readonly Gen<List<JsonObject>> Statements = Gen.NonEmptyListOf(Statement).Select(list => list.Take(6).ToList());

    private static readonly Gen<AuthorizationContext> Request =
        from action in Gen.Elements("s3:GetObject", "s3:PutObject", "iam:ListUsers", "ec2:RunInstances", "ec2:DescribeInstances")
        from resource in Gen.Elements("arn:aws:s3:::bucket/alice/x", "arn:aws:s3:::bucket/${aws:nothing}", "arn:aws:iam::123456789012:user/alice",
            "arn:aws:ec2:us-east-1:123456789012:instance/${*}", "arn:aws:s3:::other", "*")
        from keys in Gen.SubListOf(ContextKeys)
        from values in Gen.ListOf(Gen.ListOf(Gen.Elements(Values), 2), keys.Count)
        select new AuthorizationContext(action, resource,
            keys.Zip(values).ToDictionary(kv => kv.First, kv => (IReadOnlyList<string>)kv.Second, StringComparer.OrdinalIgnoreCase));

    private static string Document(IEnumerable<JsonObject> statements, string version = "2012-10-17") =>
        new JsonObject { ["Version"] = version, ["Statement"] = new JsonArray([.. statements.Select(s => (JsonNode)s.DeepClone())]) }.ToJsonString();

    private static PolicyDocument Parse(string text) => PolicyDocument.Parse(text, PolicyKind.Identity, int.MaxValue);

    [Fact]
    public void Given_any_text_Then_parsing_ends_in_a_policy_or_a_policy_error()
    {
        // Valid documents with a few characters changed, and JSON-shaped junk.
        var mutated =
            from statements in Statements
            from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 4096), Gen.Elements("", "{", "}", "[", "]", "\"", ",", ":", "null", "1e999", "\\u0000", "\\ud800", " ")), 3)
            select edits.Aggregate(Document(statements), (text, edit) =>
            {
                var at = edit.Item1 % (text.Length + 1);
                return at < text.Length && edit.Item2.Length == 0 ? text.Remove(at, 1) : text.Insert(at, edit.Item2);
            });
        var junk = PropertyRuns.HostileText("{\"Version\":\"2012-10-17\",\"Statement\":", "{", "}", "[", "]", "\"Effect\":\"Allow\"", "\"Action\":", "\"Resource\":\"*\"",
            "\"Condition\":{", "\"Null\":", "\"Principal\":", "{\"AWS\":", "\"*\"", ",", ":", "1", "[]", "null", "true", "\"${aws:username}\"");
        PropertyRuns.Check(output, "policy parser", Prop.ForAll(Gen.OneOf(mutated, junk).ToArbitrary(), text =>
        {
            foreach (var kind in new[] { PolicyKind.Identity, PolicyKind.Resource })
            {
                try
                {
                    PropertyRuns.Bounded(() => PolicyDocument.Parse(text, kind, 6144), text);
                }
                catch (PolicyValidationException e)
                {
                    Assert.Contains(e.Code, new[] { "MalformedPolicyDocument", "LimitExceeded" });
                }
            }
        }), 1000);
    }

    [Fact]
    public void Given_any_policy_and_request_Then_evaluation_decides_without_throwing()
    {
        PropertyRuns.Check(output, "policy evaluation", Prop.ForAll(Gen.Zip(Statements, Request).ToArbitrary(), c =>
        {
            var (statements, request) = c;
            PropertyRuns.Bounded(() => PolicyEvaluator.Evaluate([Parse(Document(statements))], request), Document(statements));
            PropertyRuns.Bounded(() => PolicyEvaluator.Evaluate([Parse(Document(statements, "2008-10-17"))], request), Document(statements));
        }), 500);
    }

    [Fact]
    public void Given_any_statements_Then_the_decision_is_the_same_in_any_order_and_split_over_any_policies_and_a_deny_wins()
    {
        var cases = from statements in Statements
                    from shuffled in Gen.Shuffle(statements.ToArray())
                    from cut in Gen.Choose(0, statements.Count)
                    from request in Request
                    select (statements, shuffled: shuffled.ToList(), cut, request);
        PropertyRuns.Check(output, "statement order", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var whole = PolicyEvaluator.Evaluate([Parse(Document(c.statements))], c.request);
            Assert.Equal(whole, PolicyEvaluator.Evaluate([Parse(Document(c.shuffled))], c.request));
            if (c.cut > 0 && c.cut < c.shuffled.Count)
            {
                Assert.Equal(whole, PolicyEvaluator.Evaluate([Parse(Document(c.shuffled.Take(c.cut))), Parse(Document(c.shuffled.Skip(c.cut)))], c.request));
            }

            // Each statement alone says what it would decide; the whole is Deny if any says so, else Allow if any does.
            var alone = c.statements.Select(s => PolicyEvaluator.Evaluate([Parse(Document([s]))], c.request)).ToList();
            var expected = alone.Contains(PolicyDecision.ExplicitDeny) ? PolicyDecision.ExplicitDeny
                : alone.Contains(PolicyDecision.Allow) ? PolicyDecision.Allow : PolicyDecision.ImplicitDeny;
            Assert.Equal(expected, whole);
        }), 300);
    }

    [Fact]
    public void Given_any_policy_Then_reformatting_its_json_does_not_change_a_decision()
    {
        var cases = from statements in Statements
                    from request in Request
                    from style in Gen.Choose(0, 3)
                    select (statements, request, style);
        PropertyRuns.Check(output, "json formatting", Prop.ForAll(cases.ToArbitrary(), c =>
        {
            var compact = Document(c.statements);
            var node = JsonNode.Parse(compact)!;
            var reformatted = c.style switch
            {
                0 => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true }),
                1 => node.ToJsonString(new JsonSerializerOptions { WriteIndented = true, IndentCharacter = '\t', IndentSize = 1, NewLine = "\r\n" }),
                2 => Reordered(node).ToJsonString(),
                // Non-ASCII escaped: the same strings, spelled \u0041-style.
                _ => node.ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.Default }).Replace("*", "\\u002A", StringComparison.Ordinal),
            };
            Assert.Equal(PolicyEvaluator.Evaluate([Parse(compact)], c.request), PolicyEvaluator.Evaluate([Parse(reformatted)], c.request));
            if (c.statements.Count == 1)
            {
                // A single statement may be written as an object instead of a one-element array.
                var single = new JsonObject { ["Version"] = "2012-10-17", ["Statement"] = c.statements[0].DeepClone() }.ToJsonString();
                Assert.Equal(PolicyEvaluator.Evaluate([Parse(compact)], c.request), PolicyEvaluator.Evaluate([Parse(single)], c.request));
            }
        }), 300);
    }

    /// <summary>The same document with every object's members in reverse order.</summary>
    private static JsonNode Reordered(JsonNode node) => node switch
    {
        JsonObject o => new JsonObject(o.Reverse().Select(p => KeyValuePair.Create(p.Key, p.Value is null ? null : Reordered(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(e => e is null ? null : Reordered(e))]),
        _ => node.DeepClone(),
    };
}
