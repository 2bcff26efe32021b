export { fromIocp, type FromIocpOptions } from './from-iocp.js'
