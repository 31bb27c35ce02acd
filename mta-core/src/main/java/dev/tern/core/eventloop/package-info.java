/** Netty event loop groups and the channel types that fit them (native epoll where it loads, else NIO). */
package dev.tern.core.eventloop;
