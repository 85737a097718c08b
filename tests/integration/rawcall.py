# rawcall.py SOCKET: sends each line of stdin as one frame on one connection
# and prints each answer line; for protocol tests that accountctl cannot make.
# A line "@sleep N" pauses; "@raw HEX" sends bytes as they are.
import socket, sys, time

s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(10)
s.connect(sys.argv[1])
f = s.makefile("rb")
for line in sys.stdin.read().splitlines():
    if line.startswith("@sleep "):
        time.sleep(float(line.split()[1]))
        continue
    data = bytes.fromhex(line[5:]) if line.startswith("@raw ") else line.encode() + b"\n"
    try:
        s.sendall(data)
        ans = f.readline()
    except OSError as e:
        print("ERROR", e)
        break
    print(ans.decode().rstrip("\n") if ans else "EOF")
    sys.stdout.flush()
