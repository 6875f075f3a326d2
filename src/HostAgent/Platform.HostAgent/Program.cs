using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;
using Platform.HostAgent.Agent;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddJsonFile("/etc/platform/agent.json", optional: true);
builder.Configuration.AddEnvironmentVariables("PLATFORM_");

// Type=notify readiness and journald-formatted logs when systemd runs the agent; no effect otherwise.
builder.Services.AddSystemd();
// The notifier writes to $NOTIFY_SOCKET and does nothing without it, so the agent also runs outside systemd.
builder.Services.TryAddSingleton<ISystemdNotifier, SystemdNotifier>();
var agentOptions = builder.Configuration.GetSection(AgentOptions.SectionName).Get<AgentOptions>() ?? new AgentOptions();
if (AgentTls.Problem(agentOptions) is { } problem)
{
    await Console.Error.WriteLineAsync(problem);
    return 1;
}

// One agent per state directory: a second one (an agent orphaned when its supervisor was killed, then `up` again) would
// converge the same domains, switch ports and pool against the first. An exclusive flock, which the kernel drops when
// this process ends however it ends; the second start is refused with its own exit code.
Directory.CreateDirectory(agentOptions.StateDirectory);
var lockPath = Path.Combine(agentOptions.StateDirectory, "agent.lock");
FileStream stateLock;
try
{
    stateLock = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
}
catch (IOException)
{
    await Console.Error.WriteLineAsync($"Another agent runs on the state directory {agentOptions.StateDirectory} (it holds {lockPath}); stop it first.");
    return 3;
}

using var heldStateLock = stateLock;

// HTTPS to the API, its certificate checked against the pinned CA (docs/OPERATIONS.md, "Certificates").
builder.Services.AddHttpClient(nameof(AgentApiClient)).ConfigurePrimaryHttpMessageHandler(() => AgentTls.Handler(agentOptions));
// Every heartbeat and long poll is an HTTP call: logged only when something goes wrong.
builder.Logging.AddFilter("System.Net.Http.HttpClient", LogLevel.Warning);
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.SectionName));
builder.Services.AddHostedService<AgentWorker>();

await builder.Build().RunAsync();
return Environment.ExitCode;
