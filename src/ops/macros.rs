//! `operation!`: the metadata and path-parameter plumbing every operation file shares, so an
//! operation file reads as its wire contract (method, path, status, body, response).

/// Declares an operation struct (path parameters + body) and its [`Operation`](super::Operation) impl.
macro_rules! operation {
    (
        $(#[$meta:meta])*
        pub struct $name:ident = $wire:literal;
        $method:ident $path:literal => [$($status:literal),+];
        repeatable: $rep:literal;
        path { $($field:ident = $pname:literal),* $(,)? }
        body: $body:ty;
        response: $resp:ty;
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        pub struct $name {
            $(
                #[doc = concat!("`", $pname, "` path parameter (raw; encoded when the URL is built).")]
                pub $field: String,
            )*
            /// The request body.
            pub body: $body,
        }

        impl $crate::ops::Operation for $name {
            const META: $crate::ops::OperationMeta = $crate::ops::OperationMeta {
                name: $wire,
                method: $crate::ops::Method::$method,
                path: $path,
                params: &[$($pname),*],
                success: &[$($status),+],
                repeatable: $rep,
                has_body: <$body as $crate::ops::Body>::PRESENT,
            };
            type Body = $body;
            type Response = $resp;

            fn path_values(&self) -> Vec<&str> {
                vec![$(self.$field.as_str()),*]
            }

            fn body(&self) -> &$body {
                &self.body
            }

            #[allow(unused_mut, unused_variables)]
            fn from_parts(path: Vec<String>, body: $body) -> Self {
                let mut path = path.into_iter();
                Self { $($field: path.next().unwrap_or_default(),)* body }
            }
        }
    };
}

pub(crate) use operation;
