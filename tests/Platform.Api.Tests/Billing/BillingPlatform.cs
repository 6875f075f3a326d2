using Platform.Api.Tests.TestEngine;

namespace Platform.Api.Tests.Billing;

/// <summary>BillingTests' API: as SharedPlatformApp's, with a public address pool so elastic IPs can be allocated and metered.</summary>
public sealed class BillingPlatform : IAsyncLifetime
{
    public PlatformApp App { get; } = new(settings: new Dictionary<string, string?>
    {
        ["Network:PublicAddresses:Cidr"] = "198.51.100.0/24",
        ["Network:PublicAddresses:Gateway"] = "198.51.100.1",
    });

    public HttpClient RootClient() => App.SignedClient(App.RootCredentials);

    public Task InitializeAsync()
    {
        _ = App.Server;
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await App.DisposeAsync();
        try
        {
            Directory.Delete(App.DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
