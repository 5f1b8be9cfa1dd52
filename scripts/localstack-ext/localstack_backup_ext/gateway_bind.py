"""The gateway listens on the address GATEWAY_LISTEN names, not on every interface.

Why: LocalStack 4.14's TwistedRuntimeServer.register passes the interface only for IPv6 addresses; an IPv4
GATEWAY_LISTEN such as 127.0.0.1:4566 becomes a TCP4ServerEndpoint without one, which binds 0.0.0.0. With a
Lambda executor that runs code on the host, that would let anyone who reaches the port run code as the user.
The patch builds the same endpoints with the interface given.
"""

from localstack_backup_ext.patching import LazyPatches


def listen_endpoint(host: str, port: int):
    """The Twisted endpoint for one GATEWAY_LISTEN entry, bound to its own address."""
    from localstack import config
    from twisted.internet import endpoints, reactor

    if config.is_ipv6_address(host):
        return endpoints.TCP6ServerEndpoint(reactor, port, interface=host)
    return endpoints.TCP4ServerEndpoint(reactor, port, interface=host)


def _register(fn, self, gateway, listen, ssl_creds=None) -> None:
    from localstack.aws.serving.twisted import TLSMultiplexerFactory
    from rolo.serving.twisted import TwistedGateway
    from twisted.internet import ssl

    site = TwistedGateway(gateway)
    protocol_factory = site
    if ssl_creds:
        cert_file_name, key_file_name = ssl_creds
        context_factory = ssl.DefaultOpenSSLContextFactory(key_file_name, cert_file_name)
        context_factory.getContext().use_certificate_chain_file(cert_file_name)
        protocol_factory = TLSMultiplexerFactory(context_factory, False, site)
    for host_and_port in listen:
        listen_endpoint(host_and_port.host, host_and_port.port).listen(protocol_factory)


PATCHES = LazyPatches("gateway_bind", [("localstack.runtime.server.twisted:TwistedRuntimeServer", "register", _register)])
