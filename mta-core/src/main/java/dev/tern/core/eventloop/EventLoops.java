package dev.tern.core.eventloop;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;

/**
 * Netty event loops: the native epoll transport where it loads (Linux x86-64/aarch64), Java NIO elsewhere or
 * when {@code -Dio.netty.transport.noNative=true} turns native transports off; and the channel types that fit
 * a given group, so every client and server on a group agrees with it.
 */
public final class EventLoops {
    private EventLoops() {}

    /** Which I/O transport a group uses. */
    public enum Transport {
        EPOLL,
        NIO
    }

    /** The transport {@link #newGroup} picks on this machine. */
    public static Transport preferred() {
        return Epoll.isAvailable() ? Transport.EPOLL : Transport.NIO;
    }

    /** Why the native transport is not used here, or null when it is. */
    public static Throwable unavailabilityCause() {
        return Epoll.unavailabilityCause();
    }

    /** A group of {@code threads} event loops on the {@link #preferred()} transport. */
    public static EventLoopGroup newGroup(int threads) {
        return newGroup(preferred(), threads);
    }

    /** A group of {@code threads} event loops on the given transport. */
    public static EventLoopGroup newGroup(Transport transport, int threads) {
        IoHandlerFactory io = transport == Transport.EPOLL ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        return new MultiThreadIoEventLoopGroup(threads, io);
    }

    /** The transport of a group made by Netty's {@code MultiThreadIoEventLoopGroup} (NIO for any other). */
    public static Transport transportOf(EventLoopGroup group) {
        return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class)
                ? Transport.EPOLL
                : Transport.NIO;
    }

    /** The client socket channel type for the group's transport. */
    public static Class<? extends SocketChannel> socketChannel(EventLoopGroup group) {
        return transportOf(group) == Transport.EPOLL ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    /** The server socket channel type for the group's transport. */
    public static Class<? extends ServerSocketChannel> serverSocketChannel(EventLoopGroup group) {
        return transportOf(group) == Transport.EPOLL ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }
}
