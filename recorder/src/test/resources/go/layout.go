// Prints the offsets recordtls walks from a *tls.Conn to its socket's fd, as this Go compiler lays
// them out: tls.Conn.conn, net.TCPConn's *netFD, netFD.pfd.Sysfd (reflect sees unexported fields).
package main

import (
	"crypto/tls"
	"fmt"
	"net"
	"reflect"
)

func main() {
	conn, _ := reflect.TypeOf(tls.Conn{}).FieldByName("conn")
	tcp := reflect.TypeOf(net.TCPConn{})
	inner := tcp.Field(0) // the embedded conn
	fd, _ := inner.Type.FieldByName("fd")
	netFD := fd.Type.Elem()
	pfd, _ := netFD.FieldByName("pfd")
	sysfd, _ := pfd.Type.FieldByName("Sysfd")
	fmt.Printf("conn %d %s\n", conn.Offset, conn.Type)
	fmt.Printf("netfd %d %s\n", inner.Offset+fd.Offset, fd.Type)
	fmt.Printf("sysfd %d %s\n", pfd.Offset+sysfd.Offset, sysfd.Type)
}
