using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Platform.HostAgent.Agent;

var builder = Host.CreateApplicationBuilder(args);
builder.Configuration.AddJsonFile("/etc/platform/agent.json", optional: true);
builder.Configuration.AddEnvironmentVariables("PLATFORM_");

// Type=notify readiness and journald-formatted logs when systemd runs the agent; no effect otherwise.
builder.Services.AddSystemd();
builder.Services.AddHttpClient();
builder.Services.AddSingleton(TimeProvider.System);
builder.Services.AddOptions<AgentOptions>().Bind(builder.Configuration.GetSection(AgentOptions.SectionName));
builder.Services.AddHostedService<AgentWorker>();

await builder.Build().RunAsync();
