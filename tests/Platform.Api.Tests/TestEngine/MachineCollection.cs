namespace Platform.Api.Tests.TestEngine;

/// <summary>
/// Test classes that use this machine's shared daemons and tools (qemu:///system, Open vSwitch, platform.sh, the agent's
/// supervisor) run one at a time, after the others; the rest of the assembly runs its classes in parallel, each with its
/// own API host, data directory and ports.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MachineCollection
{
    public const string Name = "This machine's daemons";
}
