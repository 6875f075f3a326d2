using System.Runtime.CompilerServices;
using Mono.Cecil;
using NetArchTest.Rules;

namespace Platform.ArchitectureTests;

/// <summary>
/// Type selections written against Mono.Cecil so they are exact: a namespace matches itself and its
/// sub-namespaces only (never "Platform.Modules.IamX"), and nested types (closures, state machines)
/// belong to the namespace of their outermost declaring type, so lambda bodies are checked too.
/// </summary>
internal static class TypeScopes
{
    public static bool IsWithin(string? @namespace, string scope) =>
        @namespace is not null
        && (@namespace == scope || @namespace.StartsWith(scope + ".", StringComparison.Ordinal));

    public static TypeDefinition Outermost(TypeDefinition type)
    {
        while (type.IsNested)
        {
            type = type.DeclaringType;
        }

        return type;
    }

    public static bool IsTopLevelCompilerGenerated(TypeDefinition type) =>
        !type.IsNested
        && (type.Name.StartsWith('<')
            || type.CustomAttributes.Any(a => a.AttributeType.FullName == typeof(CompilerGeneratedAttribute).FullName));
}

/// <summary>Types whose outermost declaring type lives in <c>scope</c> but not in <c>excluded</c>.</summary>
internal sealed class InNamespace(string scope, string? excluded = null) : ICustomRule
{
    public bool MeetsRule(TypeDefinition type)
    {
        var ns = TypeScopes.Outermost(type).Namespace;
        return TypeScopes.IsWithin(ns, scope) && (excluded is null || !TypeScopes.IsWithin(ns, excluded));
    }
}

/// <summary>Everything except compiler-emitted top-level types (embedded attributes, anonymous types, ...).</summary>
internal sealed class WrittenByHand : ICustomRule
{
    public bool MeetsRule(TypeDefinition type) => !TypeScopes.IsTopLevelCompilerGenerated(TypeScopes.Outermost(type));
}

/// <summary>
/// The composition root's own code: not the Mediator source generator's output (namespace
/// <c>Mediator</c>, which must see internal handlers) and not compiler-emitted top-level types.
/// Closures of its own lambdas stay in, so a handler lambda cannot hide a dependency.
/// Mediator also emits an AddMediator extension in Microsoft.Extensions.DependencyInjection that
/// names handlers; NetArchTest never loads types in System.* or Microsoft.* namespaces, so it is out too.
/// </summary>
internal sealed class CompositionRootOwnCode(string? scope) : ICustomRule
{
    public const string GeneratedMediatorNamespace = "Mediator";

    public bool MeetsRule(TypeDefinition type)
    {
        var outer = TypeScopes.Outermost(type);
        return !TypeScopes.IsWithin(outer.Namespace, GeneratedMediatorNamespace)
            && !TypeScopes.IsTopLevelCompilerGenerated(outer)
            && (scope is null || TypeScopes.IsWithin(outer.Namespace, scope));
    }
}

/// <summary>
/// Not reachable from another assembly: a nested public type inside an internal type is as internal
/// as its container, so it is not a leak (NetArchTest's NotBePublic would report it).
/// </summary>
internal sealed class NotVisibleOutsideAssembly : ICustomRule
{
    public bool MeetsRule(TypeDefinition type) => !IsVisible(type);

    private static bool IsVisible(TypeDefinition type) =>
        type.IsNested
            ? (type.IsNestedPublic || type.IsNestedFamily || type.IsNestedFamilyOrAssembly) && IsVisible(type.DeclaringType)
            : type.IsPublic;
}
