// ASP.NET Core's source generator makes an app's top-level Program public (for WebApplicationFactory); the agent references the
// shared framework only for the metadata service's Kestrel, and a public Program here would clash with the API's in
// tests that reference both. Declared internal, the generator leaves it.
internal sealed partial class Program;
