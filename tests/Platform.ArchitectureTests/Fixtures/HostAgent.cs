using Platform.ArchitectureTests.Fixtures.Alpha.Contracts;

namespace Platform.ArchitectureTests.Fixtures.HostAgent;

/// <summary>Compliant.</summary>
internal sealed class AgentHeartbeat
{
    public DateTimeOffset At { get; init; }
}

/// <summary>Violation: the agent knows a module (even only its contracts).</summary>
internal sealed class AgentKnowsAlpha
{
    public AlphaCreated? Event { get; init; }
}
