using NetArchTest.Rules;

namespace Platform.ArchitectureTests;

/// <summary>The result of one rule: what it says and who breaks it (type or assembly names).</summary>
public sealed record RuleOutcome(string Rule, IReadOnlyList<string> Offenders)
{
    public bool Holds => Offenders.Count == 0;

    public static RuleOutcome Holding(string rule) => new(rule, []);

    public static RuleOutcome From(string rule, TestResult result) =>
        new(rule, result.IsSuccessful ? [] : [.. result.FailingTypeNames ?? []]);

    public static RuleOutcome Combine(string rule, params RuleOutcome[] parts) =>
        new(rule, [.. parts.SelectMany(p => p.Offenders).Distinct()]);

    public override string ToString() =>
        Holds ? $"Holds: {Rule}" : $"Broken: {Rule}. Offenders:{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", Offenders)}";
}

public static class RuleAssert
{
    public static void Holds(RuleOutcome outcome) => Assert.True(outcome.Holds, outcome.ToString());
}
