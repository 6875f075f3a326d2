namespace Platform.Api.Tests.TestEngine;

/// <summary>One API per test class: tests in it use distinct names, so they do not see each other's entities.</summary>
public sealed class SharedPlatformApp : IAsyncLifetime
{
    public PlatformApp App { get; } = new();

    public TestCredentials Root => App.RootCredentials;

    public HttpClient RootClient() => App.SignedClient(Root);

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
