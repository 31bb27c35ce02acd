package dev.tern.core.config;

/**
 * SMTP AUTH on the injection listener ({@code injection.auth}).
 *
 * @param enabled offer AUTH
 */
public record InjectionAuth(boolean enabled) implements Validated {
  static InjectionAuth defaults() {
    return new InjectionAuth(false);
  }

  @Override
  public void validate(Problems p) {}
}
