export { Socket, type SocketOptions, type SocketConnectOptions } from './socket.js'
export { Server, type ServerOptions, type ServerListenOptions, type DropInfo } from './server.js'
export { connect, createConnection, createServer, type ConnectOptions } from './connect.js'
