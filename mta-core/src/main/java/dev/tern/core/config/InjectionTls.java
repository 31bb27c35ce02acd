package dev.tern.core.config;

/**
 * TLS on the injection listener ({@code injection.tls}): STARTTLS on the plain listener and
 * an optional implicit-TLS (SMTPS) listener.
 *
 * @param starttls offer STARTTLS on the injection listener
 */
public record InjectionTls(boolean starttls) implements Validated {
  static InjectionTls defaults() {
    return new InjectionTls(false);
  }

  @Override
  public void validate(Problems p) {}
}
