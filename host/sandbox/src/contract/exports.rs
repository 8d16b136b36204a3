//! The connector interface's five functions, found and called the same way in every contract
//! version: one macro, expanded in each `since_v*` module over that version's generated types
//! (`v`) and the host's (`m`).

/// Expands to an `Exports` type for the version whose generated types are `v`: the export's
/// functions found once when a connector is loaded, and each call made with its arguments
/// converted down ([`super::convert::TryConv`]) and its answer up ([`super::convert::Conv`]).
macro_rules! connector_exports {
    () => {
        /// Where a connector's five functions are, found once when it is loaded.
        ///
        /// Looking a function up in an instance type-checks it: `describe`, which loading a
        /// connector runs, checks all five (so a mistyped export is refused at load), any other
        /// call only the one it makes.
        pub(crate) struct Exports {
            describe: wasmtime::component::ComponentExportIndex,
            check: wasmtime::component::ComponentExportIndex,
            search: wasmtime::component::ComponentExportIndex,
            fetch: wasmtime::component::ComponentExportIndex,
            submit: wasmtime::component::ComponentExportIndex,
        }

        type Typed<P, R> = wasmtime::Result<wasmtime::component::TypedFunc<P, (R,)>>;

        /// The error a request this version cannot express gets, without calling the guest.
        fn unsupported(what: $crate::contract::convert::Unsupported) -> m::ConnectorError {
            m::ConnectorError::InvalidInput(format!(
                "this connector speaks contract {VERSION}, which has no {}; it cannot take this request",
                what.0
            ))
        }

        impl Exports {
            /// The functions of the `interop:connector/connector@VERSION` export, if it has them
            /// all.
            pub(crate) fn of(component: &wasmtime::component::Component) -> Option<Exports> {
                let name = format!("{}@{VERSION}", $crate::contract::CONNECTOR_EXPORT);
                let interface = component.get_export_index(None, &name)?;
                let func = |name: &str| component.get_export_index(Some(&interface), name);
                Some(Exports {
                    describe: func("describe")?,
                    check: func("check")?,
                    search: func("search")?,
                    fetch: func("fetch")?,
                    submit: func("submit")?,
                })
            }

            /// Type-check every function but `describe`, which [`Exports::call`] checks itself.
            pub(crate) fn check_all<T: Send>(
                &self,
                instance: &wasmtime::component::Instance,
                store: &mut wasmtime::Store<T>,
            ) -> wasmtime::Result<()> {
                self.check(instance, &mut *store)?;
                self.search(instance, &mut *store)?;
                self.fetch(instance, &mut *store)?;
                self.submit(instance, &mut *store)?;
                Ok(())
            }

            /// Call the export `request` names, converting its arguments down to this version
            /// and the answer back up.
            pub(crate) async fn call<T: Send>(
                &self,
                request: $crate::contract::call::Request<'_>,
                instance: &wasmtime::component::Instance,
                store: &mut wasmtime::Store<T>,
            ) -> wasmtime::Result<$crate::contract::call::Answer> {
                use $crate::contract::call::{Answer, Request};
                use $crate::contract::convert::{Conv, TryConv};
                Ok(match request {
                    Request::Describe => {
                        let f = self.describe(instance, &mut *store)?;
                        Answer::Describe(f.call_async(&mut *store, ()).await?.0.conv())
                    }
                    Request::Check(ctx) => {
                        let ctx: v::RequestContext = match ctx.clone().try_conv() {
                            Ok(a) => a,
                            Err(u) => return Ok(Answer::Check(Err(unsupported(u)))),
                        };
                        let f = self.check(instance, &mut *store)?;
                        Answer::Check(f.call_async(&mut *store, (ctx,)).await?.0.conv())
                    }
                    Request::Search(ctx, query) => {
                        let args = ctx.clone().try_conv().and_then(|c| Ok((c, query.clone().try_conv()?)));
                        let args: (v::RequestContext, v::SearchQuery) = match args {
                            Ok(a) => a,
                            Err(u) => return Ok(Answer::Search(Err(unsupported(u)))),
                        };
                        let f = self.search(instance, &mut *store)?;
                        Answer::Search(f.call_async(&mut *store, args).await?.0.conv())
                    }
                    Request::Fetch(ctx, kind, id) => {
                        let args = ctx.clone().try_conv().and_then(|c| Ok((c, kind.try_conv()?, id.to_string())));
                        let args: (v::RequestContext, v::EntityKind, String) = match args {
                            Ok(a) => a,
                            Err(u) => return Ok(Answer::Fetch(Box::new(Err(unsupported(u))))),
                        };
                        let f = self.fetch(instance, &mut *store)?;
                        Answer::Fetch(Box::new(f.call_async(&mut *store, args).await?.0.conv()))
                    }
                    Request::Submit(ctx, item) => {
                        let args = ctx.clone().try_conv().and_then(|c| Ok((c, item.clone().try_conv()?)));
                        let args: (v::RequestContext, v::Submission) = match args {
                            Ok(a) => a,
                            Err(u) => return Ok(Answer::Submit(Err(unsupported(u)))),
                        };
                        let f = self.submit(instance, &mut *store)?;
                        Answer::Submit(f.call_async(&mut *store, args).await?.0.conv())
                    }
                })
            }

            fn describe(
                &self,
                i: &wasmtime::component::Instance,
                s: impl wasmtime::AsContextMut,
            ) -> Typed<(), v::ConnectorInfo> {
                i.get_typed_func(s, self.describe)
            }

            fn check(
                &self,
                i: &wasmtime::component::Instance,
                s: impl wasmtime::AsContextMut,
            ) -> Typed<(v::RequestContext,), Result<v::CheckReport, v::ConnectorError>> {
                i.get_typed_func(s, self.check)
            }

            fn search(
                &self,
                i: &wasmtime::component::Instance,
                s: impl wasmtime::AsContextMut,
            ) -> Typed<
                (v::RequestContext, v::SearchQuery),
                Result<v::SearchResult, v::ConnectorError>,
            > {
                i.get_typed_func(s, self.search)
            }

            fn fetch(
                &self,
                i: &wasmtime::component::Instance,
                s: impl wasmtime::AsContextMut,
            ) -> Typed<
                (v::RequestContext, v::EntityKind, String),
                Result<v::PoleRecord, v::ConnectorError>,
            > {
                i.get_typed_func(s, self.fetch)
            }

            fn submit(
                &self,
                i: &wasmtime::component::Instance,
                s: impl wasmtime::AsContextMut,
            ) -> Typed<(v::RequestContext, v::Submission), Result<v::Receipt, v::ConnectorError>>
            {
                i.get_typed_func(s, self.submit)
            }
        }
    };
}

pub(crate) use connector_exports;
