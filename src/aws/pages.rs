//! A listing's every page as one list: the SDK's paginators, drained the one way.

use aws_smithy_async::future::pagination_stream::PaginationStream;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::error::{map, AwsError};

/// The items `items` takes from each page, all pages in order; the first failed page
/// fails the whole, as operation `op`.
pub async fn all_pages<P, E, T>(
    mut pages: PaginationStream<Result<P, SdkError<E, HttpResponse>>>,
    op: &'static str,
    items: impl Fn(&P) -> Vec<T>,
) -> Result<Vec<T>, AwsError>
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let mut all = Vec::new();
    while let Some(page) = pages.next().await {
        all.extend(items(&page.map_err(map(op))?));
    }
    Ok(all)
}
