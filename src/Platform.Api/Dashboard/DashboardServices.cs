using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.Options;
using Platform.Modules.Shared.Hosting;

namespace Platform.Api.Dashboard;

internal static class DashboardServices
{
    /// <summary>The dashboard's sign-in: its options, the data-protection key ring under the data directory, the gate.</summary>
    public static IServiceCollection AddJobsDashboardSignIn(this IServiceCollection services)
    {
        services.AddOptions<JobsDashboardOptions>().BindConfiguration(JobsDashboardOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddDataProtection().SetApplicationName("platform");
        // On disk, not in memory: a cookie outlives a restart and is read by every replica that shares the directory.
        services.AddOptions<KeyManagementOptions>()
            .Configure<IOptions<PlatformOptions>, IOptions<JobsDashboardOptions>, ILoggerFactory>((keys, platform, dashboard, logs) =>
                keys.XmlRepository = new FileSystemXmlRepository(new DirectoryInfo(KeyRingDirectory(platform.Value, dashboard.Value)), logs));
        services.AddSingleton<DashboardSessions>();
        services.AddSingleton<DashboardGate>();
        return services;
    }

    public static string KeyRingDirectory(PlatformOptions platform, JobsDashboardOptions dashboard) =>
        dashboard.KeyRingDirectory is { Length: > 0 } directory ? directory : Path.Combine(platform.DataDirectory, "keys", "dashboard");
}
