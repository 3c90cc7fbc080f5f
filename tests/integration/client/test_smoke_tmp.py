from conftest import dataset_body, job_body  # type: ignore

def test_smoke(target, client):
    ds = client.create_dataset(dataset_body())
    print(ds, client.get_dataset(ds))
    job = client.create_export_job(job_body(ds))
    print(job)
    print(client.get_export_job(job.id))
    print(client.list_export_jobs())
    print(target.stats())
