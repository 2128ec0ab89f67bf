import http.client, threading, time, sys, requests
port=int(sys.argv[1]); kind=sys.argv[2]; conc=int(sys.argv[3]); dur=2.0
body=b'{"data": [[1,2]]}'
counts=[0]*conc
def w_http(i, end):
    c=http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    n=0
    while time.perf_counter()<end:
        c.request("POST","/score",body,{"Content-Type":"application/json"}); r=c.getresponse(); r.read(); n+=1
    counts[i]=n
def w_req(i,end):
    s=requests.Session(); n=0
    while time.perf_counter()<end:
        r=s.post(f"http://127.0.0.1:{port}/score",data=body,headers={"Content-Type":"application/json"}); r.content; n+=1
    counts[i]=n
f = w_http if kind=="http" else w_req
end=time.perf_counter()+dur
ts=[threading.Thread(target=f,args=(i,end)) for i in range(conc)]
t0=time.process_time()
[t.start() for t in ts]; [t.join() for t in ts]
print(kind, conc, round(sum(counts)/dur), "req/s", "cpu", round((time.process_time()-t0)/dur,2))
