using System.Reflection;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Platform.ArchitectureTests;

/// <summary>Each module registers with exactly the two calls Platform.Api makes: AddXModule and MapXEndpoints.</summary>
public sealed class ModuleRegistrarTests
{
    [Theory]
    [MemberData(nameof(ModuleTable.ModuleNames), MemberType = typeof(ModuleTable))]
    public void Module_has_a_registrar_with_its_two_calls(string module)
    {
        var layout = ModuleTable.Layout(module);
        var registrar = layout.Implementation.GetType(layout.RegistrarFullName);
        Assert.True(registrar is { IsAbstract: true, IsSealed: true, IsPublic: false }, $"{layout.RegistrarFullName} must be an internal static class");

        var add = registrar!.GetMethod($"Add{module}Module", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.NotNull(add);
        Assert.Equal([typeof(IServiceCollection), typeof(IConfiguration)], add!.GetParameters().Select(p => p.ParameterType));

        var map = registrar.GetMethod($"Map{module}Endpoints", BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
        Assert.NotNull(map);
        Assert.Equal([typeof(IEndpointRouteBuilder)], map!.GetParameters().Select(p => p.ParameterType));
    }
}
