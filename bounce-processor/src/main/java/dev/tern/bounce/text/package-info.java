/** Reading the pieces of report text that parsers and decoders share: addresses, RFC 3464 fields, host names. */
package dev.tern.bounce.text;
