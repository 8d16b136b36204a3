//! The bare-wasmtime side of the gateway load benchmark (`scripts/bench-gateway.sh`): a
//! `wasi:http/proxy` component for `wasmtime serve` that, for every incoming request, makes the
//! same upstream call the Kestrel connector makes for a person search (`GET
//! /api/v2/nominals?surname=…` with the stand-in's key) and returns the upstream body as is.
//!
//! The upstream origin is fixed when the component is built: `INTEROP_BENCH_UPSTREAM`
//! (default `127.0.0.1:47100`), so the request path is the only input and both sides do the
//! same work per request: one upstream HTTP call, its body relayed.

#[cfg(target_arch = "wasm32")]
mod proxy {
    use wasip2::http::outgoing_handler;
    use wasip2::http::types::{
        Fields, IncomingRequest, OutgoingBody, OutgoingRequest, OutgoingResponse, ResponseOutparam,
        Scheme,
    };

    const UPSTREAM: &str = match option_env!("INTEROP_BENCH_UPSTREAM") {
        Some(u) => u,
        None => "127.0.0.1:47100",
    };
    const PATH: &str = "/api/v2/nominals?surname=Examplewood&limit=20";
    const KEY: &str = "demo-key";

    struct Proxy;

    impl wasip2::exports::http::incoming_handler::Guest for Proxy {
        fn handle(_request: IncomingRequest, out: ResponseOutparam) {
            match fetch() {
                Ok((status, body)) => respond(out, status, &body),
                Err(e) => respond(out, 502, e.as_bytes()),
            }
        }
    }

    fn fetch() -> Result<(u16, Vec<u8>), String> {
        let headers = Fields::from_list(&[("x-kestrel-key".to_string(), KEY.as_bytes().to_vec())])
            .map_err(|e| format!("headers: {e:?}"))?;
        let request = OutgoingRequest::new(headers);
        request
            .set_scheme(Some(&Scheme::Http))
            .map_err(|()| "scheme")?;
        request
            .set_authority(Some(UPSTREAM))
            .map_err(|()| "authority")?;
        request
            .set_path_with_query(Some(PATH))
            .map_err(|()| "path")?;
        let future = outgoing_handler::handle(request, None).map_err(|e| format!("send: {e:?}"))?;
        future.subscribe().block();
        let response = future
            .get()
            .ok_or("no response")?
            .map_err(|()| "response taken twice")?
            .map_err(|e| format!("upstream: {e:?}"))?;
        let status = response.status();
        let body = response.consume().map_err(|()| "body")?;
        let stream = body.stream().map_err(|()| "stream")?;
        let mut bytes = Vec::new();
        loop {
            match stream.blocking_read(64 * 1024) {
                Ok(chunk) => bytes.extend_from_slice(&chunk),
                Err(wasip2::io::streams::StreamError::Closed) => break,
                Err(e) => return Err(format!("read: {e:?}")),
            }
        }
        Ok((status, bytes))
    }

    fn respond(out: ResponseOutparam, status: u16, body: &[u8]) {
        let headers =
            Fields::from_list(&[("content-type".to_string(), b"application/json".to_vec())])
                .unwrap_or_else(|_| Fields::new());
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(status);
        let Ok(outgoing) = response.body() else {
            return;
        };
        ResponseOutparam::set(out, Ok(response));
        if let Ok(stream) = outgoing.write() {
            for chunk in body.chunks(4096) {
                if stream.blocking_write_and_flush(chunk).is_err() {
                    break;
                }
            }
            drop(stream);
        }
        let _ = OutgoingBody::finish(outgoing, None);
    }

    wasip2::http::proxy::export!(Proxy with_types_in wasip2);
}
