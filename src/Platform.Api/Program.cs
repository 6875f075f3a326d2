using Platform.Api.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddPlatform();

var app = builder.Build();
app.UsePlatform();
await app.RunAsync();

/// <summary>The entry point; public so integration tests can host it.</summary>
public partial class Program;
