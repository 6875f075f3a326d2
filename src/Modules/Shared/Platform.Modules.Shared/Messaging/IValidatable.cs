namespace Platform.Modules.Shared.Messaging;

/// <summary>A request that checks its own parameters; the validation behaviour calls it before the handler.</summary>
public interface IValidatable
{
    /// <summary>Throws an <see cref="Errors.ApiException"/> (InvalidParameterValue, MissingParameter, ...) on bad input.</summary>
    void Validate();
}
